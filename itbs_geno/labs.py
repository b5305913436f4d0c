"""Lab sheet -> biomarker results, judged against the athlete bands in lab_panels/biomarkers.toml.

The sheet is a CSV in long format, one row per result:
`marker,value,unit[,date][,athlete][,ref_low,ref_high]`. Marker names and units are
matched leniently (case, spaces, punctuation, µ/u/mc); every bad row is refused with a
message that names it.
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.lab_model import LabMarker, LabPanel, normalise_unit
from itbs_geno.model import BiomarkerResult
from itbs_geno.sheets import quoted, read_csv


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


@dataclass(frozen=True)
class LabSheet:
    path: Path
    rows: list[LabRow]


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
    value = _number(where, "value", row.get("value", ""))
    if value is None:
        raise InputError(f"{where}: the value is empty")
    judged = value * factor
    low, high = marker.plausible
    if not low <= judged <= high:
        raise InputError(f"{where}: {row['value']} {row['unit']} is not a possible {marker.name} value "
                         f"(expected {low:g}–{high:g} {marker.unit}); check the number and unit")
    refs = [_number(where, c, row.get(c, "")) for c in ("ref_low", "ref_high")]
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
                  row.get("athlete") or None, ref_low, ref_high)


# Plain decimals as labs print them: 15, 1.5, .5, optionally after < or > (a detection limit).
# No exponents, signs, digit separators (float() reads "1_5" as 15) or non-ASCII digits.
_NUMBER = re.compile(r"([<>]?)\s*(\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})", re.ASCII)


def _number(where: str, column: str, text: str) -> float | None:
    """The number; a detection limit ("<0.2") is read as its limit, and shown as the sheet wrote it."""
    text = text.strip()
    if not text:
        return None
    match = _NUMBER.fullmatch(text)
    if match is None:
        if _NUMBER.fullmatch(text.lstrip("-").strip()):
            raise InputError(f"{where}: {column} {quoted(text)} cannot be negative")
        hint = "; use a dot for decimals and no thousands separator" if "," in text else ""
        raise InputError(f"{where}: {column} {quoted(text)} is not a number "
                         f"(write it as digits, e.g. 15, 1.5 or <0.2{hint})")
    return float(match.group(2))


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


def match(rows: list[LabRow], people: list[set[str]], path: Path, alone: bool) -> list[list[LabRow]]:
    """Each person's rows, the one rule for `report` and `batch`. A person is the set of names they
    go by (sample; in a batch also athlete id and name), matched case-insensitively to the athlete
    column. `alone` (a report on one sample): a sheet without athletes, or with a single athlete, is
    that person's, and a sheet naming others only is refused."""
    athletes = {r.athlete for r in rows if r.athlete}
    if not athletes and len(people) > 1:
        raise InputError(f"{path}: the lab sheet has no athlete column to match its results to the {len(people)} "
                         f"people; add one with each athlete's name or sample")
    if not athletes or (alone and len(athletes) == 1):
        return [rows for _ in people]
    found = []
    for names in people:
        wanted = {n.lower() for n in names}
        mine = [r for r in rows if (r.athlete or "").lower() in wanted]
        if not mine and alone:
            raise InputError(f'{path}: the sheet has results for {len(athletes)} athletes '
                             f'({", ".join(quoted(a) for a in sorted(athletes)[:5])}); none is named '
                             f'{" or ".join(quoted(n) for n in sorted(names))}')
        found.append(mine)
    return found


def judge(rows: list[LabRow], lab_panel: LabPanel, sex: str | None = None) -> tuple[BiomarkerResult, ...]:
    """One result per marker: the latest row, its band, the trend against the previous one. With
    the person's `sex`, a marker that has sex-specific bands is judged by that set."""
    if not rows:
        return ()
    results = []
    by_marker: dict[str, list[LabRow]] = {}
    for row in rows:
        by_marker.setdefault(row.marker.id, []).append(row)
    for marker_id, marker_rows in by_marker.items():
        ordered = sorted(marker_rows, key=lambda r: (r.date or dt.date.min, r.row))
        latest, previous = ordered[-1], ordered[-2] if len(ordered) > 1 else None
        band_set = sex if sex in latest.marker.sex_bands else ""
        band = latest.marker.band(latest.value, latest.ref_low, latest.ref_high, band_set)
        results.append(BiomarkerResult(
            marker_id, latest.marker.name, round(latest.value, 4), latest.marker.unit,
            latest.value_given, latest.unit_given, latest.date,
            band.id if band else None, band.in_target if band else None, band.severity if band else None,
            None if previous is None else round(previous.value, 4), None if previous is None else previous.date,
            _trend(latest, previous),
            latest.date + dt.timedelta(days=latest.marker.retest_days) if latest.date else None,
            latest.ref_low, latest.ref_high, band_set))
    order = list(lab_panel.markers)
    return tuple(sorted(results, key=lambda r: order.index(r.marker)))


def _trend(latest: LabRow, previous: LabRow | None) -> str | None:
    if previous is None:
        return None
    if latest.value == previous.value:
        return "unchanged"
    return "up" if latest.value > previous.value else "down"
