"""Lab sheet -> biomarker results, judged against the athlete bands in lab_panels/biomarkers.toml.

The sheet is a CSV in long format, one row per result:
`marker,value,unit[,date][,athlete][,ref_low,ref_high]`. Marker names and units are
matched leniently (case, spaces, punctuation, µ/u/mc); every bad row is refused with a
message that names it.
"""

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbs_geno.errors import InputError, PanelError
from itbs_geno.model import BiomarkerResult
from itbs_geno.panel import Panel, PlanItem, plan_item
from itbs_geno.resources import data_dir
from itbs_geno.sheets import quoted, read_csv


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    in_target: bool
    severity: int
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

    def band(self, value: float, ref_low: float | None, ref_high: float | None) -> Band | None:
        if not self.range_from_sheet:
            return next(b for b in self.bands if b.holds(value))
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
    combinations: tuple[Combination, ...]

    def find(self, name: str) -> LabMarker | None:
        key = normalise_name(name)
        return next((m for m in self.markers.values() if key in m.keys), None)


def normalise_name(text: str) -> str:
    return re.sub(r"[^a-z0-9%β]", "", text.lower())


def normalise_unit(text: str) -> str:
    unit = text.strip().lower().replace(" ", "").replace("μ", "u").replace("µ", "u")
    unit = unit.replace("mcg", "ug").replace("mc", "u").replace("percent", "%")
    return unit


def load_lab_panel(panel: Panel, folder: Path | None = None) -> LabPanel:
    """Read and check lab_panels/biomarkers.toml against the gene panel's evidence levels and references."""
    path = (folder or data_dir("lab_panels")) / "biomarkers.toml"
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise PanelError(f"{path.name}: cannot be read ({err})") from None
    markers = {key: _marker(key, value, panel) for key, value in data.get("markers", {}).items()}
    first_step = tuple(data.get("first_step", ()))
    combinations = tuple(_combination(i, c, markers, panel) for i, c in enumerate(data.get("combinations", [])))
    for key in first_step:
        if key not in markers:
            raise PanelError(f"biomarkers.toml: first_step names '{key}', which is not a marker")
    return LabPanel(str(data.get("version", "")), markers, first_step, combinations)


def _need(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table or table[key] in ("", [], None):
        raise PanelError(f"biomarkers.toml: {where}: missing field '{key}'")
    return table[key]


def _items(table: dict[str, Any], key: str, where: str, panel: Panel) -> tuple[PlanItem, ...]:
    # Safety lines carry no evidence level of their own; they read as clinical practice.
    return tuple(plan_item(panel, {"evidence": "practice", **item}, f"biomarkers.toml: {where}.{key}[{i}]")
                 for i, item in enumerate(table.get(key, [])))


def _marker(key: str, table: dict[str, Any], panel: Panel) -> LabMarker:
    where = f"markers.{key}"
    unit = _need(table, "unit", where)
    units = {normalise_unit(u): (u, float(f)) for u, f in _need(table, "units", where).items()}
    if normalise_unit(unit) not in units:
        raise PanelError(f"biomarkers.toml: {where}: the judged unit {unit} is missing from 'units'")
    bands = tuple(Band(b["id"], b["label"], bool(b["in_target"]), int(b["severity"]), b["says"], b["source"],
                       b.get("below"), b.get("up_to")) for b in _need(table, "bands", where))
    from_sheet = bool(table.get("reference_range_from_sheet", False))
    edges = [b.below if b.below is not None else b.up_to for b in bands[:-1]]
    if from_sheet:
        if {b.id for b in bands} != {"below_range", "in_range", "above_range"}:
            raise PanelError(f"biomarkers.toml: {where}: a sheet-range marker needs bands below_range, in_range, above_range")
    elif None in edges or edges != sorted(edges) or bands[-1].below is not None or bands[-1].up_to is not None:
        raise PanelError(f"biomarkers.toml: {where}: bands must rise, each with an upper edge but the last")
    plausible = tuple(float(v) for v in _need(table, "plausible", where))
    names = [key, _need(table, "name", where), *table.get("aliases", [])]
    citations = tuple(table.get("citations", ()))
    for ref in citations:
        if ref not in panel.references:
            raise PanelError(f"biomarkers.toml: {where}: citation '{ref}' is not in references.toml")
    plan = table.get("plan", {})
    return LabMarker(key, table["name"], frozenset(normalise_name(n) for n in names), unit, units, plausible,
                     int(_need(table, "retest_days", where)), _need(table, "meaning", where).strip(), citations,
                     bands, from_sheet, _items(plan, "without", where + ".plan", panel),
                     _items(plan, "with", where + ".plan", panel), _items(table, "safety", where, panel))


def _combination(i: int, table: dict[str, Any], markers: dict[str, LabMarker], panel: Panel) -> Combination:
    where = f"combinations[{i}]"
    gene, marker = _need(table, "gene", where), _need(table, "marker", where)
    if gene not in {g.symbol for g in panel.genes} or marker not in markers:
        raise PanelError(f"biomarkers.toml: {where}: unknown gene '{gene}' or marker '{marker}'")
    bands = tuple(_need(table, "bands", where))
    unknown = set(bands) - {b.id for b in markers[marker].bands}
    if unknown:
        raise PanelError(f"biomarkers.toml: {where}: {marker} has no band '{sorted(unknown)[0]}'")
    [item] = _items({"x": [table]}, "x", where, panel)
    return Combination(gene, tuple(_need(table, "gene_categories", where)), marker, bands, item.text,
                       item.evidence, item.citations)


@dataclass(frozen=True)
class LabRow:
    row: int                   # line number in the sheet, for messages
    marker: LabMarker
    value: float               # in the judged unit
    value_given: str
    unit_given: str
    date: dt.date | None
    athlete: str | None
    ref_low: float | None      # in the judged unit
    ref_high: float | None
    qualifier: str             # "<" or ">" when the lab reported a detection limit, else ""


def read_sheet(path: Path, lab_panel: LabPanel, today: dt.date | None = None) -> list[LabRow]:
    """Every row of the sheet, checked; the first bad row raises InputError naming it.
    Dates must fall between 1900 and `today` (the run date; a day's slack for time zones)."""
    columns, records = read_csv(path, "lab sheet")
    missing = [c for c in ("marker", "value", "unit") if c not in columns]
    if missing:
        raise InputError(f"{path}: the lab sheet needs the columns marker, value, unit "
                         f"(missing: {', '.join(missing)}); see sample_genomes/sample_labs.csv")
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    rows = [_row(path, number, row, lab_panel, latest) for number, row in records]
    if not rows:
        raise InputError(f"{path}: the lab sheet has no results")
    return rows


def _row(path: Path, number: int, row: dict[str, str], lab_panel: LabPanel, latest: dt.date) -> LabRow:
    where = f"{path} row {number}"
    marker = lab_panel.find(row.get("marker", ""))
    if marker is None:
        known = ", ".join(m.name for m in lab_panel.markers.values())
        raise InputError(f'{where}: unknown marker {quoted(row.get("marker", ""))}; known: {known}')
    unit = marker.units.get(normalise_unit(row.get("unit", "")))
    if unit is None:
        accepted = ", ".join(u for u, _ in marker.units.values())
        raise InputError(f'{where}: unit {quoted(row.get("unit", ""))} is not one for {marker.name}; use {accepted}')
    factor = unit[1]
    qualifier, value = _number(where, "value", row.get("value", ""))
    if value is None:
        raise InputError(f"{where}: the value is empty")
    judged = value * factor
    low, high = marker.plausible
    if not low <= judged <= high:
        raise InputError(f"{where}: {row['value']} {row['unit']} is not a possible {marker.name} value "
                         f"(expected {low:g}–{high:g} {marker.unit}); check the number and unit")
    refs = [_number(where, c, row.get(c, ""))[1] for c in ("ref_low", "ref_high")]
    ref_low, ref_high = (None if r is None else r * factor for r in refs)
    for column, ref in (("ref_low", ref_low), ("ref_high", ref_high)):
        # A lab's reference range lies inside what the marker can be (a range may start at 0);
        # anything else is a typo or a unit mix-up, and would wreck the report's scale.
        if ref is not None and ref > high:
            raise InputError(f"{where}: {column} {row[column]} is not a possible {marker.name} reference limit "
                             f"(expected 0–{high:g} {marker.unit}); check the number and unit")
    if ref_low is not None and ref_high is not None and ref_low > ref_high:
        raise InputError(f"{where}: ref_low is above ref_high")
    return LabRow(number, marker, judged, row["value"], row["unit"], _date(where, row.get("date", ""), latest),
                  row.get("athlete") or None, ref_low, ref_high, qualifier)


# Plain decimals as labs print them: 15, 1.5, .5, optionally after < or > (a detection limit).
# No exponents, signs, digit separators (float() reads "1_5" as 15) or non-ASCII digits.
_NUMBER = re.compile(r"([<>]?)\s*(\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})", re.ASCII)


def _number(where: str, column: str, text: str) -> tuple[str, float | None]:
    text = text.strip()
    if not text:
        return "", None
    match = _NUMBER.fullmatch(text)
    if match is None:
        if _NUMBER.fullmatch(text.lstrip("-").strip()):
            raise InputError(f"{where}: {column} {quoted(text)} cannot be negative")
        hint = "; use a dot for decimals and no thousands separator" if "," in text else ""
        raise InputError(f"{where}: {column} {quoted(text)} is not a number "
                         f"(write it as digits, e.g. 15, 1.5 or <0.2{hint})")
    return match.group(1), float(match.group(2))


_DATE = re.compile(r"(\d{4})([-/])(\d{2})\2(\d{2})", re.ASCII)
EARLIEST_DATE = dt.date(1900, 1, 1)


def _date(where: str, text: str, latest: dt.date) -> dt.date | None:
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        date = dt.date(int(match[1]), int(match[3]), int(match[4])) if match else None
    except ValueError:
        date = None
    if date is None:
        raise InputError(f"{where}: date {quoted(text)} is not YYYY-MM-DD (day/month order is ambiguous)")
    if not EARLIEST_DATE <= date <= latest:
        raise InputError(f"{where}: date {quoted(text)} is not between {EARLIEST_DATE} and today; check the year")
    return date


def for_sample(rows: list[LabRow], sample: str, path: Path, alone: bool) -> list[LabRow]:
    """The rows for one person. A sheet without athletes, or with one athlete when the input holds
    one sample, is that person's; otherwise rows are matched by the athlete column."""
    athletes = {r.athlete for r in rows if r.athlete}
    if not athletes or (alone and len(athletes) == 1):
        return rows
    mine = [r for r in rows if (r.athlete or "").lower() == sample.lower()]
    if not mine and alone:
        raise InputError(f'{path}: the sheet has results for {len(athletes)} athletes '
                         f'({", ".join(quoted(a) for a in sorted(athletes)[:5])}); none is named {quoted(sample)}')
    return mine


def judge(rows: list[LabRow], lab_panel: LabPanel) -> tuple[BiomarkerResult, ...]:
    """One result per marker: the latest row, its band, the trend against the previous one."""
    if not rows:
        return ()
    results = []
    by_marker: dict[str, list[LabRow]] = {}
    for row in rows:
        by_marker.setdefault(row.marker.id, []).append(row)
    for marker_id, marker_rows in by_marker.items():
        ordered = sorted(marker_rows, key=lambda r: (r.date or dt.date.min, r.row))
        latest, previous = ordered[-1], ordered[-2] if len(ordered) > 1 else None
        band = latest.marker.band(latest.value, latest.ref_low, latest.ref_high)
        results.append(BiomarkerResult(
            marker_id, latest.marker.name, round(latest.value, 4), latest.marker.unit,
            latest.value_given, latest.unit_given, latest.date,
            band.id if band else None, band.in_target if band else None, band.severity if band else None,
            None if previous is None else round(previous.value, 4), None if previous is None else previous.date,
            _trend(latest, previous),
            latest.date + dt.timedelta(days=latest.marker.retest_days) if latest.date else None,
            latest.ref_low, latest.ref_high))
    order = list(lab_panel.markers)
    return tuple(sorted(results, key=lambda r: order.index(r.marker)))


def _trend(latest: LabRow, previous: LabRow | None) -> str | None:
    if previous is None:
        return None
    if latest.value == previous.value:
        return "unchanged"
    return "up" if latest.value > previous.value else "down"
