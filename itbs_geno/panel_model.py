"""The gene panel as values: markers, alleles, studies, categories and plans (loaded by panel.py)."""

import functools
from dataclasses import dataclass

from itbs_geno.evidence import Study
from itbs_geno.genotype import from_alleles
from itbs_geno.model import PlanItem
from itbs_geno.sites import Sites


@dataclass(frozen=True)
class Category:
    """A result category (panel.toml [categories.ID])."""

    id: str
    label: str
    short: str                  # a column-width word for tables
    symbol: str                 # a mark that does not rely on colour
    description: str
    counted: bool               # counted in the "higher risk" tally
    plan: bool                  # a gene in this category gets a plan step
    rank: int                   # 1 = most notable


@dataclass(frozen=True)
class EvidenceLevel:
    id: str
    label: str
    rank: int
    description: str


@dataclass(frozen=True)
class GuidanceItem:
    title: str
    text: str
    practical: str
    evidence: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Guidance:
    """guidance.toml: the advice that does not depend on a genotype."""

    principles: tuple[GuidanceItem, ...]
    approaches: tuple[GuidanceItem, ...]
    disclaimer: str
    count_note: str
    itbs_note: str


@dataclass(frozen=True)
class Reference:
    key: str
    text: str
    doi: str | None
    url: str | None
    checked: str

    @property
    def link(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else self.url


@dataclass(frozen=True)
class GenotypeRule:
    genotype: str
    literature: str
    category: str
    evidence: str
    meaning: str
    effect: str
    population: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Proxy:
    rsid: str
    r2: float | None                     # None: not documented, so never used
    population: str
    allele_map: dict[str, str]           # proxy plus-strand allele -> marker allele
    positions: dict[str, int]
    source: str


@dataclass(frozen=True)
class Marker:
    id: str
    gene: str
    chromosome: str
    rsid: str
    aliases: tuple[str, ...]
    name: str
    kind: str
    palindromic: bool
    ref: str
    alt: str
    ref_verified: bool                   # False: which allele the genome carries is not confirmed
    literature_alleles: tuple[tuple[str, str], ...]   # (literature name, plus-strand allele)
    positions: dict[str, int]
    frequency_allele: str
    frequencies: dict[str, float]
    frequency_source: str
    genotypes: dict[str, GenotypeRule]
    proxies: tuple[Proxy, ...]
    studies: tuple[Study, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.rsid, *self.aliases)

    def possible_genotypes(self) -> list[str]:
        return marker_genotypes(self.ref, self.alt)


def marker_genotypes(ref: str, alt: str) -> list[str]:
    pairs = [(ref, ref), (ref, alt), (alt, alt)]
    return [str(from_alleles(list(p))) for p in pairs]


@dataclass(frozen=True)
class Gene:
    symbol: str
    title: str
    chromosome: str
    strand: str
    role: str
    itbs_evidence: str
    popular_claim: str
    verdict: str
    citations: tuple[str, ...]
    markers: tuple[Marker, ...]
    does_mean: str
    does_not_mean: str
    plan_without: tuple[PlanItem, ...]
    plan_with: tuple[PlanItem, ...]


@dataclass(frozen=True)
class Panel:
    version: str
    date: str
    builds: tuple[str, ...]
    min_proxy_r2: float
    categories: dict[str, Category]      # in the order the legend shows them
    evidence: dict[str, EvidenceLevel]
    references: dict[str, Reference]
    genes: tuple[Gene, ...]
    guidance: Guidance

    @functools.cached_property
    def by_notability(self) -> tuple[str, ...]:
        """Category ids, most notable first: a gene shows its most notable marker, a team column sorts so."""
        return tuple(sorted(self.categories, key=lambda k: self.categories[k].rank))

    @functools.cached_property
    def plan_categories(self) -> tuple[str, ...]:
        """Categories whose genes get a plan step, most notable first."""
        return tuple(k for k in self.by_notability if self.categories[k].plan)

    @property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(m for g in self.genes for m in g.markers)

    def gene(self, symbol: str) -> Gene:
        return next(g for g in self.genes if g.symbol == symbol)

    def marker(self, marker_id: str) -> Marker:
        return self._markers_by_id[marker_id]

    @functools.cached_property
    def _markers_by_id(self) -> dict[str, Marker]:
        return {m.id: m for m in self.markers}

    @functools.cached_property
    def sites(self) -> Sites:
        ids: set[str] = set()
        positions: set[tuple[str, str]] = set()
        for m in self.markers:
            ids.update(m.ids)
            positions.update((m.chromosome, str(p)) for p in m.positions.values())
            for proxy in m.proxies:
                ids.add(proxy.rsid)
                positions.update((m.chromosome, str(p)) for p in proxy.positions.values())
        return Sites(frozenset(ids), frozenset(positions))
