"""The team summary (team.html, team.csv, team.json) and the batch's output folder.

Every file is written atomically, by one run at a time (outdirs.locked). A re-run
into the same folder replaces its outputs and removes the ones a previous run wrote that this
run did not (listed in team.json, and each removal listed in the new team.json), except the
reports of an input that failed this time: those are kept and marked as from the earlier run.
"""

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itbs_geno import __version__, render
from itbs_geno.batch import Batch
from itbs_geno.errors import InputError
from itbs_geno.interpret import counted
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import Finding, Status
from itbs_geno.output import write_atomic
from itbs_geno.panel import Panel
from itbs_geno.result_json import as_json
from itbs_geno.sheets import display

MANIFEST = "team.json"


@dataclass
class Written:
    paths: list[Path]                                          # written by this run
    removed: list[str] = field(default_factory=list)           # an earlier run's outputs, now removed
    kept: list[str] = field(default_factory=list)              # an earlier run's reports of inputs that failed now


def write(batch: Batch, outdir: Path, knowledge: Knowledge, today: dt.date, coach_view: bool = False,
          shareable: bool = False) -> Written:
    """Write every athlete's report and JSON, then the team files; return what was written,
    removed and kept. The caller holds the folder (`locked`)."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{outdir}: cannot create the output folder ({err.strerror})") from None
    previous = _previous_run(outdir)
    panel = knowledge.genes
    written = []
    for athlete in batch.athletes:
        result = athlete.result
        for name, text in ((f"{athlete.id}.html", render.html(result, knowledge, today)),
                           (f"{athlete.id}.json", _dumps(as_json(result, panel)))):
            write_atomic(outdir / name, text, shareable)
            written.append(outdir / name)
    this_run = {p.name for p in written} | set(_TEAM_FILES[coach_view]) | {MANIFEST}
    kept = _kept(batch, previous, this_run, outdir)
    team_files = {"team.csv": _csv(batch, knowledge, coach=False),
                  "team.html": _html(batch, panel, today, coach=False, kept=kept)}
    if coach_view:
        team_files |= {"team_coach.csv": _csv(batch, knowledge, coach=True),
                       "team_coach.html": _html(batch, panel, today, coach=True, kept=kept)}
    for name, text in team_files.items():
        write_atomic(outdir / name, text, shareable)
        written.append(outdir / name)
    kept_files = {f for k in kept.values() for f in k["files"]}
    removed = sorted(n for n in previous.outputs - this_run - kept_files if (outdir / n).exists())
    outputs = sorted({p.name for p in written} | kept_files) + [MANIFEST]
    write_atomic(outdir / MANIFEST, _dumps(team_json(batch, panel, today, outputs, kept, removed)), shareable)
    written.append(outdir / MANIFEST)
    for stale in removed:
        (outdir / stale).unlink(missing_ok=True)
    return Written(written, removed, sorted(kept_files))


_TEAM_FILES = {False: ("team.csv", "team.html"), True: ("team.csv", "team.html", "team_coach.csv", "team_coach.html")}


def _dumps(data: Any) -> str:
    # allow_nan=False: a NaN or infinity is a bug upstream, never "Infinity" in a file that is not JSON.
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@dataclass
class _Previous:
    outputs: set[str]                                 # files the previous run listed
    reports: dict[str, dict[str, Any]]                # input -> {"files": [...], "date": "YYYY-MM-DD"}


def _previous_run(outdir: Path) -> _Previous:
    """What a previous run listed in team.json; only plain names inside the folder are ever touched."""
    try:
        data = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        names = data.get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return _Previous(set(), {})
    outputs = {n for n in names if isinstance(n, str) and n == Path(n).name and not n.startswith(".")}
    date = data.get("date") if isinstance(data.get("date"), str) else ""
    reports: dict[str, dict[str, Any]] = {}
    for athlete in data.get("athletes", []) if isinstance(data.get("athletes"), list) else []:
        if isinstance(athlete, dict) and isinstance(athlete.get("input"), str) and isinstance(athlete.get("id"), str):
            entry = reports.setdefault(athlete["input"], {"files": [], "date": date})
            entry["files"] += [f for f in (f"{athlete['id']}.html", f"{athlete['id']}.json") if f in outputs]
    for failure in data.get("failures", []) if isinstance(data.get("failures"), list) else []:
        earlier = failure.get("kept") if isinstance(failure, dict) else None
        if (isinstance(earlier, dict) and isinstance(failure.get("input"), str)
                and isinstance(earlier.get("files"), list)):
            reports[failure["input"]] = {"files": [f for f in earlier["files"] if f in outputs],
                                         "date": earlier.get("date") if isinstance(earlier.get("date"), str) else ""}
    return _Previous(outputs, reports)


def _kept(batch: Batch, previous: _Previous, this_run: set[str], outdir: Path) -> dict[str, dict[str, Any]]:
    """Per failed input, its reports from an earlier run that this run does not replace: kept
    (a coach loses no report to a download that broke), and marked as from that run."""
    kept = {}
    for failure in batch.failures:
        earlier = previous.reports.get(failure.input)
        if earlier is None:
            continue
        files = [f for f in earlier["files"] if f not in this_run and (outdir / f).exists()]
        if files:
            kept[failure.input] = {"files": sorted(files), "date": earlier["date"]}
    return kept


def team_json(batch: Batch, panel: Panel, today: dt.date, outputs: list[str],
              kept: dict[str, dict[str, Any]] | None = None, removed: list[str] | None = None) -> dict[str, Any]:
    kept = kept or {}
    return {
        "tool": {"name": "itbs-geno", "version": __version__},
        "panel": {"version": panel.version, "date": panel.date},
        "date": today.isoformat(),
        "athletes": [{"id": a.id, "name": a.name, "input": a.input, "roster": a.roster,
                      "report": f"{a.id}.html", "result": as_json(a.result, panel)}
                     for a in batch.athletes],
        "counts": _counts(batch, panel),
        "failures": [{"input": f.input, "message": f.message, **({"kept": kept[f.input]} if f.input in kept else {})}
                     for f in batch.failures],
        "skipped": batch.skipped,
        "outputs": outputs,
        "removed": removed or [],          # an earlier run's outputs that this run removed
    }


def _counts(batch: Batch, panel: Panel) -> dict[str, dict[str, int]]:
    """Per marker: how many athletes have each genotype (or no-call / not-tested)."""
    counts = {}
    for i, marker in enumerate(panel.markers):
        tally = Counter(_genotype_or_status(a.result.findings[i]) for a in batch.athletes)
        counts[f"{marker.gene} {marker.rsid}"] = dict(sorted(tally.items()))
    return counts


def _genotype_or_status(finding: Finding) -> str:
    return str(finding.call.genotype) if finding.call.status is Status.CALLED else str(finding.call.status)


def builtin_columns(knowledge: Knowledge) -> list[str]:
    """team.csv's own columns (either view), which a roster's free column must not shadow."""
    empty = Batch([], [], [], [])
    return csv_columns(empty, knowledge, coach=False) + csv_columns(empty, knowledge, coach=True)


def csv_columns(batch: Batch, knowledge: Knowledge, coach: bool) -> list[str]:
    """The documented team.csv columns, in order (README: "Team batch")."""
    panel, lab_panel = knowledge.genes, knowledge.labs
    columns = ["athlete_id", "name", *batch.roster_columns]
    if not coach:
        columns += ["input", "format", "build", "markers_called", "markers_total"]
    columns.append("higher_count")
    for marker in panel.markers:
        stem = f"{marker.gene}_{marker.rsid}"
        columns += [f"{stem}_result"] if coach else [f"{stem}_genotype", f"{stem}_status", f"{stem}_result"]
    if not coach:
        for marker_id in lab_panel.markers:
            columns += [f"{marker_id}_value", f"{marker_id}_unit", f"{marker_id}_band"]
    return columns


def _csv(batch: Batch, knowledge: Knowledge, coach: bool) -> str:
    buffer = io.StringIO()
    panel = knowledge.genes
    columns = csv_columns(batch, knowledge, coach)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writer.writerow([_cell(c) for c in columns])        # free column names come from the roster
    for athlete in batch.athletes:
        result = athlete.result
        row: dict[str, Any] = {"athlete_id": athlete.id, "name": athlete.name, **athlete.roster,
                               "higher_count": len(counted(panel, result.findings))}
        if not coach:
            called = sum(f.call.status is Status.CALLED for f in result.findings)
            row |= {"input": athlete.input, "format": result.source.format, "build": result.source.build or "",
                    "markers_called": called, "markers_total": len(result.findings)}
        for marker, finding in zip(panel.markers, result.findings, strict=True):
            stem = f"{marker.gene}_{marker.rsid}"
            row[f"{stem}_result"] = finding.category or ""
            if not coach:
                row[f"{stem}_genotype"] = str(finding.call.genotype) if finding.call.genotype else ""
                row[f"{stem}_status"] = str(finding.call.status)
        if not coach:
            for b in result.biomarkers:
                row |= {f"{b.marker}_value": f"{b.value:g}", f"{b.marker}_unit": b.unit,
                        f"{b.marker}_band": b.band or ""}
        writer.writerow({k: _cell(v) for k, v in row.items()})
    # A byte-order mark makes spreadsheet programs read the file as UTF-8.
    return "\ufeff" + buffer.getvalue()


def _cell(value: Any) -> Any:
    """Text from input files must not start a spreadsheet formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _html(batch: Batch, panel: Panel, today: dt.date, coach: bool, kept: dict[str, dict[str, Any]]) -> str:
    return render.page("team.html", team_view(batch, panel, today, coach, kept))


def team_view(batch: Batch, panel: Panel, today: dt.date, coach: bool,
              kept: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    kept = kept or {}
    markers = panel.markers
    counts = _counts(batch, panel)
    rows: list[dict[str, Any]] = []
    for athlete in batch.athletes:
        findings = athlete.result.findings
        called = sum(f.call.status is Status.CALLED for f in findings)
        rows.append({
            "id": athlete.id, "name": athlete.name, "roster": [athlete.roster.get(c, "") for c in batch.roster_columns],
            "report": f"{athlete.id}.html", "coverage": f"{called}/{len(findings)}", "called": called,
            "higher": len(counted(panel, findings)),
            "cells": [_cell_view(f, panel, coach) for f in findings],
        })
    notability = {c: i for i, c in enumerate(panel.by_notability)}
    sorts: list[dict[str, Any]] = [{"key": "name", "label": "athlete",
                                    "rows": sorted(rows, key=lambda r: r["name"].lower())}]
    for i, marker in enumerate(markers):
        sorts.append({"key": f"m{i}", "label": f"{marker.gene} {marker.name}",
                      "rows": sorted(rows, key=lambda r: (notability.get(r["cells"][i]["category"], len(notability)),
                                                               r["name"].lower()))})
    sorts.append({"key": "higher", "label": "higher-risk count",
                  "rows": sorted(rows, key=lambda r: (-r["higher"], r["name"].lower()))})
    sorts.append({"key": "coverage", "label": "coverage",
                  "rows": sorted(rows, key=lambda r: (r["called"], r["name"].lower()))})
    return {
        "title": "Team summary" + (" (coach view: result tiers only)" if coach else ""),
        "coach": coach, "date": today.isoformat(), "tool_version": __version__, "panel_version": panel.version,
        "markers": [{"gene": m.gene, "name": m.name, "rsid": m.rsid} for m in markers],
        "roster_columns": [display(c) for c in batch.roster_columns], "rows": rows, "sorts": sorts,
        "categories": list(panel.categories.values()),
        "counts": [] if coach else [{"marker": k, "counts": v} for k, v in counts.items()],
        "distribution": [] if coach else _distribution(counts, panel, len(batch.athletes)),
        "failures": [{"input": display(f.input), "message": f.message + _kept_note(kept.get(f.input))}
                     for f in batch.failures],
        "skipped": [display(s) for s in batch.skipped], "athletes": len(batch.athletes),
    }


def _kept_note(kept: dict[str, Any] | None) -> str:
    if not kept:
        return ""
    when = f"of {kept['date']}" if kept["date"] else "before"
    return f" Kept from the run {when}, not updated: {', '.join(kept['files'])}."


DIST_BAR = 260


def _distribution(per_marker: dict[str, dict[str, int]], panel: Panel, athletes: int) -> list[dict[str, Any]]:
    """Per marker, the squad split by genotype (then no-call / not-tested), as bar segments."""
    total = max(athletes, 1)
    rows = []
    for y, (marker, (label, counts)) in enumerate(zip(panel.markers, per_marker.items(), strict=True)):
        order = marker.possible_genotypes()
        keys = [g for g in order if g in counts] + sorted(k for k in counts if k not in order)
        x, segments = 0.0, []
        for key in keys:
            width = counts[key] / total * DIST_BAR
            shade = order.index(key) if key in order else 3
            segments.append({"x": round(x, 1), "width": round(width, 1), "shade": shade, "label": key,
                             "count": counts[key], "text_x": round(x + width / 2, 1), "labelled": width >= 34})
            x += width
        rows.append({"label": label, "y": y * 24, "segments": segments,
                     "description": ", ".join(f"{s['label']} {s['count']}" for s in segments)})
    return rows


def _cell_view(finding: Finding, panel: Panel, coach: bool) -> dict[str, Any]:
    category = finding.category
    meta = panel.categories.get(category or "")
    return {
        "category": category, "symbol": meta.symbol if meta else "–",
        "short": meta.short if meta else str(finding.call.status),
        "genotype": None if coach or finding.call.genotype is None else str(finding.call.genotype),
        "literature": None if coach else finding.literature,
        "low_quality": finding.call.low_quality,      # shown, but not in the higher-risk count
    }
