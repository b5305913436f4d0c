"""The lab panel's values: the recovery markers, their athlete bands and the gene-lab combinations,
as lab_panel.py loads and checks them from lab_panels/biomarkers.toml."""

import re
from dataclasses import dataclass, field

from itbs_geno.panel_model import PlanItem


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    in_target: bool
    severity: int                  # 0 on target, 1 worth correcting, 2 act on it, 3 see a doctor
    says: str
    source: str
    below: float | None            # exclusive upper edge
    up_to: float | None            # inclusive upper edge

    def holds(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        if self.up_to is not None:
            return value <= self.up_to
        return True


@dataclass(frozen=True)
class LabMarker:
    id: str
    name: str
    keys: frozenset[str]                   # normalised names and aliases
    unit: str
    units: dict[str, tuple[str, float]]    # normalised unit -> (as written in the panel, factor into `unit`)
    plausible: tuple[float, float]
    retest_days: int
    meaning: str
    citations: tuple[str, ...]
    bands: tuple[Band, ...]
    range_from_sheet: bool                 # no athlete threshold: judged against the lab's own range
    plan_without: tuple[PlanItem, ...]
    plan_with: tuple[PlanItem, ...]
    safety: tuple[PlanItem, ...]
    sex_bands: dict[str, tuple[Band, ...]] = field(default_factory=dict)   # "female"/"male" -> its own set

    def bands_for(self, band_set: str) -> tuple[Band, ...]:
        """The set a result was judged by: "female"/"male" when the marker has one, else the general one."""
        return self.sex_bands.get(band_set, self.bands)

    def band(self, value: float, ref_low: float | None, ref_high: float | None, sex: str | None = None) -> Band | None:
        if not self.range_from_sheet:
            return next(b for b in self.bands_for(sex or "") if b.holds(value))
        if ref_low is None or ref_high is None:
            return None
        position = "below_range" if value < ref_low else "above_range" if value > ref_high else "in_range"
        return next(b for b in self.bands if b.id == position)


@dataclass(frozen=True)
class Combination:
    gene: str
    gene_categories: tuple[str, ...]
    marker: str
    bands: tuple[str, ...]
    text: str
    evidence: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class LabPanel:
    version: str
    markers: dict[str, LabMarker]
    first_step: tuple[str, ...]
    first_step_why: str                    # why those tests first, for the plan
    combinations: tuple[Combination, ...]

    def find(self, name: str) -> LabMarker | None:
        key = normalise_name(name)
        return next((m for m in self.markers.values() if key in m.keys), None)


def normalise_name(text: str) -> str:
    return re.sub(r"[^a-z0-9%β]", "", text.lower())


def normalise_unit(text: str) -> str:
    unit = text.strip().lower().replace(" ", "").replace("μ", "u").replace("µ", "u")
    return unit.replace("mcg", "ug").replace("mc", "u").replace("percent", "%")
