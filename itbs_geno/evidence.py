"""Study records and the result categories derived from them (issue 13).

A genotype's category is computed from the marker's [[markers.studies]] records, never typed
by hand: a typed category that disagrees with its studies makes the panel fail to load.

The rule, in the panel's own words (panel.toml [rule]):
- "higher"/"lower": a pooled estimate (meta-analysis or systematic review), or at least two
  independent studies, found the genotype more/less common among the injured, with a 95% CI
  that excludes OR = 1 (or, where no CI is recorded, a difference the paper reports as
  significant), and no injury study found the opposite;
- "uncertain": injury studies found opposite directions, or only laboratory data exist;
- "intermediate": a heterozygote with no firm result of its own, one copy of an allele whose
  homozygote is "higher", and a carrier or heterozygote contrast leaning the same way;
- "typical": anything else (no study, or a single unreplicated one).
Subgroup estimates of a meta-analysis are shown but do not set a category, and a primary study
that a recorded meta-analysis pools is not counted again beside it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

DESIGNS = ("meta-analysis", "systematic review", "case-control", "cohort", "genome-wide", "laboratory")
POOLED = ("meta-analysis", "systematic review")
OUTCOMES = ("injury", "imaging", "function")
FINDINGS = ("higher", "lower", "none", "unclear")
ANCESTRIES = ("EUR", "AFR", "EAS", "SAS", "AMR")
OPPOSITE = {"higher": "lower", "lower": "higher"}
# What derive() can give: panel.toml must define exactly these categories and at least these levels.
CATEGORIES = ("higher", "lower", "intermediate", "uncertain", "typical")
LEVELS = ("replicated", "mixed", "single", "mechanistic", "reference")


@dataclass(frozen=True)
class Study:
    id: str
    citation: str
    label: str
    design: str
    outcome: str
    injury: str
    population: str
    ancestry: tuple[str, ...]          # 1000 Genomes super-populations of the participants
    cases: int | None
    controls: int | None
    n: int | None                      # participants when cases/controls are not recorded
    contrast: str                      # as the paper framed it, in plus-strand genotypes
    exposed: tuple[str, ...]           # the genotypes on the first side of the contrast
    odds_ratio: float | None
    ci: tuple[float, float] | None
    ci_text: str | None                # how the paper wrote an interval we cannot plot exactly
    finding: str                       # higher | lower | none | unclear, for the exposed side
    pools: tuple[str, ...]             # ids of this marker's records that a meta-analysis pools
    subgroup: bool
    note: str

    @property
    def pooled(self) -> bool:
        return self.design in POOLED

    @property
    def size(self) -> str:
        if self.cases is not None and self.controls is not None:
            return f"{self.cases:,} cases, {self.controls:,} controls"
        return f"{self.n:,} people" if self.n is not None else "size not recorded"


def finding_from_ci(ci: tuple[float, float]) -> str:
    """What a 95% CI says about the exposed side: it excludes OR = 1 upwards, downwards, or not."""
    low, high = ci
    return "higher" if low > 1 else "lower" if high < 1 else "none"


@dataclass(frozen=True)
class Derived:
    category: str
    evidence: str
    deciding: tuple[Study, ...]        # the records the category rests on


def derive(genotype: str, possible: Sequence[str], studies: Sequence[Study]) -> Derived:
    """The category and evidence level the records support for one genotype."""
    return _derive(genotype, tuple(possible), tuple(studies), depth=0)


def _derive(genotype: str, possible: tuple[str, ...], studies: tuple[Study, ...], depth: int) -> Derived:
    injury = [s for s in studies if s.outcome == "injury" and not s.subgroup]
    own = [s for s in injury if genotype in s.exposed]
    signals = {s.finding for s in own if s.finding in OPPOSITE}
    # A study of the opposite homozygote alone that found it higher says this one was lower.
    other = _other_homozygote(genotype, possible)
    signals |= {OPPOSITE[s.finding] for s in injury
                if other and s.exposed == (other,) and s.finding in OPPOSITE}
    if len(signals) == 2:
        return Derived("uncertain", "mixed", tuple(s for s in own if s.finding in OPPOSITE))
    for direction in signals:
        firm = _firm(own, direction)
        if firm:
            nulls = any(s.finding in ("none", "unclear") for s in own)
            return Derived(direction, "mixed" if nulls else "replicated", firm)
    if _is_heterozygote(genotype) and depth == 0:
        derived = {h: _derive(h, possible, studies, depth + 1) for h in possible if not _is_heterozygote(h)}
        leaning = [s for s in studies if s.outcome == "injury" and genotype in s.exposed
                   and s.finding in ("higher", "unclear")]
        if any(d.category == "higher" for d in derived.values()) and leaning:
            return Derived("intermediate", "mixed", tuple(leaning))
        if any(d.category == "uncertain" for d in derived.values()):
            return Derived("uncertain", "mixed", ())
    if not own and any(s.outcome == "function" and genotype in s.exposed for s in studies):
        return Derived("uncertain", "mechanistic", ())
    if not own:
        return Derived("typical", "reference", ())
    return Derived("typical", "single" if len(own) == 1 else "mixed", ())


def _firm(own: list[Study], direction: str) -> tuple[Study, ...]:
    """The records that make a direction firm: a pooled estimate, or two independent studies."""
    agreeing = [s for s in own if s.finding == direction]
    pooled = [s for s in agreeing if s.pooled]
    if pooled:
        return tuple(pooled)
    pooled_away = {key for s in own if s.pooled for key in s.pools}
    primary = [s for s in agreeing if s.id not in pooled_away]
    return tuple(primary) if len(primary) >= 2 else ()


def _is_heterozygote(genotype: str) -> bool:
    alleles = genotype.split("/") if "/" in genotype else list(genotype)
    return len(set(alleles)) > 1


def _other_homozygote(genotype: str, possible: tuple[str, ...]) -> str | None:
    if _is_heterozygote(genotype):
        return None
    return next((g for g in possible if g != genotype and not _is_heterozygote(g)), None)


def ancestries(studies: Sequence[Study]) -> tuple[str, ...]:
    """The super-populations the given studies were done in, in 1000 Genomes order."""
    found = {a for s in studies for a in s.ancestry}
    return tuple(a for a in ANCESTRIES if a in found)
