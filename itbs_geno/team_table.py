"""The team table, built once as pandas DataFrames, for team.csv and team.xlsx.

pandas is imported here only: the batch's team summary imports this module, the single-file
report never does (a test checks that `itbs-geno report` leaves pandas unloaded).

Three frames: `wide` (one row per athlete: team.csv's documented columns, and the Genes sheet
without the lab columns), `labs` (one row per athlete and lab marker) and `actions` (one row per
thing that needs attention). A minor's genetic cells are empty; the coach view has no genotypes
and no lab values.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from itbs_geno.batch import Athlete, Batch
from itbs_geno.interpret import counted
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import Status
from itbs_geno.team_status import LabCell, attention, is_minor, lab_cells, squad_attention

WITHHELD = "withheld: under 18"


@dataclass(frozen=True)
class TeamFrames:
    wide: pd.DataFrame
    labs: pd.DataFrame
    actions: pd.DataFrame
    lab_columns: list[str]         # the columns of `wide` that come from the lab sheet


def csv_columns(batch: Batch, knowledge: Knowledge, coach: bool) -> list[str]:
    """The documented team.csv columns, in order (README: "Team")."""
    columns = ["athlete_id", "name", *batch.roster_columns]
    if not coach:
        columns += ["input", "format", "build", "markers_called", "markers_total"]
    columns += ["genetics", "results_to_discuss", "needs_attention"]
    for marker in knowledge.genes.markers:
        stem = f"{marker.gene}_{marker.rsid}"
        columns += [f"{stem}_result"] if coach else [f"{stem}_genotype", f"{stem}_status", f"{stem}_result"]
    return columns + lab_csv_columns(knowledge, coach)


def lab_csv_columns(knowledge: Knowledge, coach: bool) -> list[str]:
    fields = ("band", "date", "retest_on", "retest") if coach else (
        "value", "unit", "band", "date", "trend", "retest_on", "retest")
    return [f"{m}_{f}" for m in knowledge.labs.markers for f in fields]


def frames(batch: Batch, knowledge: Knowledge, today: dt.date, coach: bool) -> TeamFrames:
    columns = csv_columns(batch, knowledge, coach)
    wide = pd.DataFrame([_wide_row(a, knowledge, today, coach) for a in batch.athletes], columns=columns, dtype=object)
    lab_rows = [_lab_row(a, cell, coach) for a in batch.athletes for cell in lab_cells(a, knowledge, today)]
    labs = pd.DataFrame(lab_rows, columns=_LAB_COLUMNS[coach], dtype=object)
    entries, calm = squad_attention(batch, knowledge, today)
    actions = pd.DataFrame(
        [(e.athlete_id or "", e.who, e.attention.label, e.attention.coach if coach else e.attention.what)
         for e in entries] + [("", name, "Nothing to act on", "") for name in calm],
        columns=["athlete_id", "name", "needs", "reason"], dtype=object)
    return TeamFrames(wide, labs, actions, lab_csv_columns(knowledge, coach))


_LAB_COLUMNS = {
    False: ["athlete_id", "name", "marker", "value", "unit", "band", "severity", "date", "previous", "trend",
            "retest_on", "retest"],
    True: ["athlete_id", "name", "marker", "band", "severity", "date", "trend", "retest_on", "retest"],
}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _wide_row(athlete: Athlete, knowledge: Knowledge, today: dt.date, coach: bool) -> dict[str, Any]:
    result, panel = athlete.result, knowledge.genes
    minor = is_minor(athlete, today)
    needs = attention(athlete, knowledge, today)
    row: dict[str, Any] = {"athlete_id": athlete.id, "name": athlete.name, **athlete.roster,
                           "genetics": WITHHELD if minor else "shown",
                           "results_to_discuss": None if minor else len(counted(panel, result.findings)),
                           "needs_attention": "; ".join(a.coach if coach else a.what for a in needs)
                                              or "nothing to act on"}
    if not coach:
        called = sum(f.call.status is Status.CALLED for f in result.findings)
        row |= {"input": athlete.input, "format": result.source.format, "build": result.source.build or "",
                "markers_called": None if minor else called, "markers_total": len(result.findings)}
    if not minor:
        for marker, finding in zip(panel.markers, result.findings, strict=True):
            stem = f"{marker.gene}_{marker.rsid}"
            row[f"{stem}_result"] = finding.category or ""
            if not coach:
                row[f"{stem}_genotype"] = str(finding.call.genotype) if finding.call.genotype else ""
                row[f"{stem}_status"] = str(finding.call.status)
    for cell in lab_cells(athlete, knowledge, today):
        b = next(b for b in result.biomarkers if b.marker == cell.marker)
        fields: dict[str, Any] = {"band": b.band or "", "date": _iso(cell.date),
                  "retest_on": _iso(cell.retest_on), "retest": cell.retest}
        if not coach:
            fields |= {"value": b.value, "unit": b.unit, "trend": cell.trend or ""}
        row |= {f"{cell.marker}_{k}": v for k, v in fields.items()}
    return row


def _lab_row(athlete: Athlete, cell: LabCell, coach: bool) -> list[Any]:
    b = next(b for b in athlete.result.biomarkers if b.marker == cell.marker)
    if coach:
        return [athlete.id, athlete.name, cell.name, cell.band or cell.word, cell.word, _iso(cell.date),
                cell.trend or "", _iso(cell.retest_on), cell.retest]
    return [athlete.id, athlete.name, cell.name, b.value, b.unit, cell.band or cell.word, cell.word, _iso(cell.date),
            cell.previous, cell.trend or "", _iso(cell.retest_on), cell.retest]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """Text from input files must not start a spreadsheet formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return neutral(value)


def to_csv(wide: pd.DataFrame) -> str:
    """team.csv: UTF-8 with a byte-order mark (spreadsheet programs then read it as UTF-8), CRLF."""
    table = wide.map(_csv_cell)
    table.columns = [neutral(c) for c in wide.columns]     # free column names come from the roster
    return "\ufeff" + table.to_csv(index=False, lineterminator="\r\n")
