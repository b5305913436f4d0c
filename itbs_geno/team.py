"""The team summary (team.html, team.csv, team.json) and the batch's output folder.

Every file is written atomically; a re-run into the same folder replaces its outputs and
removes the ones a previous run wrote that this run did not (listed in team.json).
"""

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from itbs_geno import __version__, render
from itbs_geno.batch import Batch
from itbs_geno.errors import InputError
from itbs_geno.interpret import counted
from itbs_geno.labs import LabPanel, load_lab_panel
from itbs_geno.model import Finding, Status
from itbs_geno.output import write_atomic
from itbs_geno.panel import Panel

MANIFEST = "team.json"
# Category order for sorting a gene column: most notable first.
_SORT = {"higher": 0, "intermediate": 1, "uncertain": 2, "typical": 3, "lower": 4, None: 5}


def write(batch: Batch, outdir: Path, panel: Panel, today: dt.date, coach_view: bool = False,
          shareable: bool = False) -> list[Path]:
    """Write every athlete's report and JSON, then the team files; return what was written."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{outdir}: cannot create the output folder ({err.strerror})") from None
    previous = _previous_outputs(outdir)
    lab_panel = load_lab_panel(panel)
    written = []
    for athlete in batch.athletes:
        result = athlete.result
        for name, text in ((f"{athlete.id}.html", render.html(result, panel, today, lab_panel)),
                           (f"{athlete.id}.json", _dumps(render.as_json(result, panel)))):
            write_atomic(outdir / name, text, shareable)
            written.append(outdir / name)
    team_files = {"team.csv": _csv(batch, panel, lab_panel, coach=False),
                  "team.html": _html(batch, panel, today, coach=False)}
    if coach_view:
        team_files |= {"team_coach.csv": _csv(batch, panel, lab_panel, coach=True),
                       "team_coach.html": _html(batch, panel, today, coach=True)}
    for name, text in team_files.items():
        write_atomic(outdir / name, text, shareable)
        written.append(outdir / name)
    outputs = sorted(p.name for p in written) + [MANIFEST]
    write_atomic(outdir / MANIFEST, _dumps(team_json(batch, panel, today, outputs)), shareable)
    written.append(outdir / MANIFEST)
    for stale in previous - set(outputs):
        (outdir / stale).unlink(missing_ok=True)
    return written


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _previous_outputs(outdir: Path) -> set[str]:
    """The files a previous run listed; only plain names inside the folder are ever removed."""
    try:
        names = json.loads((outdir / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for n in names if isinstance(n, str) and n == Path(n).name and not n.startswith(".")}


def team_json(batch: Batch, panel: Panel, today: dt.date, outputs: list[str]) -> dict[str, Any]:
    return {
        "tool": {"name": "itbs-geno", "version": __version__},
        "panel": {"version": panel.version, "date": panel.date},
        "date": today.isoformat(),
        "athletes": [{"id": a.id, "name": a.name, "input": a.input, "roster": a.roster,
                      "report": f"{a.id}.html", "result": render.as_json(a.result, panel)}
                     for a in batch.athletes],
        "counts": _counts(batch, panel),
        "failures": [{"input": f.input, "message": f.message} for f in batch.failures],
        "skipped": batch.skipped,
        "outputs": outputs,
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


def csv_columns(batch: Batch, panel: Panel, lab_panel: LabPanel, coach: bool) -> list[str]:
    """The documented team.csv columns, in order (README: "Team batch")."""
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


def _csv(batch: Batch, panel: Panel, lab_panel: LabPanel, coach: bool) -> str:
    buffer = io.StringIO()
    columns = csv_columns(batch, panel, lab_panel, coach)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for athlete in batch.athletes:
        result = athlete.result
        row: dict[str, Any] = {"athlete_id": athlete.id, "name": athlete.name, **athlete.roster,
                               "higher_count": len(counted(panel, result.findings))}
        if not coach:
            called = sum(f.call.status is Status.CALLED for f in result.findings)
            row |= {"input": athlete.input, "format": result.source.format, "build": result.source.build or "",
                    "markers_called": called, "markers_total": len(result.findings)}
        for marker, finding in zip(panel.markers, result.findings):
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


def _html(batch: Batch, panel: Panel, today: dt.date, coach: bool) -> str:
    return render.page("team.html", team_view(batch, panel, today, coach))


def team_view(batch: Batch, panel: Panel, today: dt.date, coach: bool) -> dict[str, Any]:
    markers = panel.markers
    counts = _counts(batch, panel)
    rows = []
    for athlete in batch.athletes:
        findings = athlete.result.findings
        called = sum(f.call.status is Status.CALLED for f in findings)
        rows.append({
            "id": athlete.id, "name": athlete.name, "roster": [athlete.roster.get(c, "") for c in batch.roster_columns],
            "report": f"{athlete.id}.html", "coverage": f"{called}/{len(findings)}", "called": called,
            "higher": len(counted(panel, findings)),
            "cells": [_cell_view(f, panel, coach) for f in findings],
        })
    sorts = [{"key": "name", "label": "athlete", "rows": sorted(rows, key=lambda r: r["name"].lower())}]
    for i, marker in enumerate(markers):
        sorts.append({"key": f"m{i}", "label": f"{marker.gene} {marker.name}",
                      "rows": sorted(rows, key=lambda r: (_SORT[r["cells"][i]["category"]], r["name"].lower()))})
    sorts.append({"key": "higher", "label": "higher-risk count",
                  "rows": sorted(rows, key=lambda r: (-r["higher"], r["name"].lower()))})
    sorts.append({"key": "coverage", "label": "coverage", "rows": sorted(rows, key=lambda r: (r["called"], r["name"].lower()))})
    return {
        "title": "Team summary" + (" (coach view: result tiers only)" if coach else ""),
        "coach": coach, "date": today.isoformat(), "tool_version": __version__, "panel_version": panel.version,
        "markers": [{"gene": m.gene, "name": m.name, "rsid": m.rsid} for m in markers],
        "roster_columns": batch.roster_columns, "rows": rows, "sorts": sorts,
        "categories": [{"id": k, **v} for k, v in panel.categories.items()],
        "counts": [] if coach else [{"marker": k, "counts": v} for k, v in counts.items()],
        "distribution": [] if coach else _distribution(counts, panel, len(batch.athletes)),
        "failures": [{"input": f.input, "message": f.message} for f in batch.failures],
        "skipped": batch.skipped, "athletes": len(batch.athletes),
    }


DIST_BAR = 260


def _distribution(per_marker: dict[str, dict[str, int]], panel: Panel, athletes: int) -> list[dict[str, Any]]:
    """Per marker, the squad split by genotype (then no-call / not-tested), as bar segments."""
    total = max(athletes, 1)
    rows = []
    for y, (marker, (label, counts)) in enumerate(zip(panel.markers, per_marker.items())):
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
    meta = panel.categories.get(category or "", {})
    return {
        "category": category, "symbol": meta.get("symbol", "–"), "short": meta.get("short", str(finding.call.status)),
        "genotype": None if coach or finding.call.genotype is None else str(finding.call.genotype),
        "literature": None if coach else finding.literature,
    }
