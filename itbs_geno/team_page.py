"""The team page's view: a plain dict that templates/team.html only prints.

What needs attention comes first, then the athletes × genes table (sorted copies for sorting
without script, rows in groups), then labs and retests, then the squad's genotype counts.
A minor's genetic results never appear; the coach view shows no genotypes and no lab values.
"""

import datetime as dt
from collections import Counter
from typing import Any

from itbs_geno import __version__
from itbs_geno.batch import Athlete, Batch
from itbs_geno.interpret import counted
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import Finding, Status
from itbs_geno.panel_model import Panel
from itbs_geno.sheets import display
from itbs_geno.team_status import SEVERITY, attention, is_minor, lab_cells, squad_attention

# Above this many athletes only the athlete and needs-attention sorts are kept: each sorted copy
# repeats the whole table (about 0.7 KB per athlete), and at 500 athletes the ten copies would
# make the page about 4 MB (benchmarks/team_scale.py measures it).
MANY = 100
DIST_BAR = 260
NO_GROUP = "(not given)"


def team_view(batch: Batch, knowledge: Knowledge, today: dt.date, coach: bool,
              kept: dict[str, dict[str, Any]] | None = None, group_by: str | None = None) -> dict[str, Any]:
    kept = kept or {}
    panel = knowledge.genes
    rows = [_row(a, knowledge, today, coach, group_by) for a in batch.athletes]
    used = [m for m in knowledge.labs.markers.values() if any(m.id in r["labs"] for r in rows)]
    for row in rows:
        row["lab_cells"] = [row["labs"].get(m.id) for m in used]
    entries, calm = squad_attention(batch, knowledge, today)
    adults = [a for a in batch.athletes if not is_minor(a, today)]
    counts = _counts(adults, panel)
    return {
        "title": "Team summary" + (" (coach view: result tiers only)" if coach else ""),
        "coach": coach, "date": today.isoformat(), "tool_version": __version__, "panel_version": panel.version,
        "markers": [{"gene": m.gene, "name": m.name, "rsid": m.rsid} for m in panel.markers],
        "roster_columns": [display(c) for c in batch.roster_columns],
        "group_by": display(group_by) if group_by else None,
        "groups": _group_counts(rows) if group_by else [],
        "sorts": _sorts(rows, panel, group_by is not None), "default": _grouped(rows, group_by is not None),
        "attention": [{"who": display(e.who),
                       "report": None if coach or e.athlete_id is None else f"{e.athlete_id}.html",
                       "label": e.attention.label, "kind": e.attention.kind,
                       "text": display(e.attention.coach if coach else e.attention.what)} for e in entries],
        "calm": calm, "no_consent": [display(n) for n in batch.no_consent], "asks_consent": batch.asks_consent,
        "minors": sum(is_minor(a, today) for a in batch.athletes),
        "lab_markers": [{"id": m.id, "short": m.name.split(" (")[0], "name": m.name, "retest_days": m.retest_days}
                        for m in used],
        "severities": [{"symbol": s, "word": w} for s, w in SEVERITY.values()],
        "categories": list(panel.categories.values()),
        "counts": [] if coach else [{"marker": k, "counts": v} for k, v in counts.items()],
        "distribution": [] if coach or not adults else _distribution(counts, panel, len(adults)),
        "failures": [{"input": display(f.input), "message": f.message + _kept_note(kept.get(f.input))}
                     for f in batch.failures],
        "skipped": [display(s) for s in batch.skipped], "athletes": len(batch.athletes), "many": len(rows) > MANY,
    }


def _row(athlete: Athlete, knowledge: Knowledge, today: dt.date, coach: bool, group_by: str | None) -> dict[str, Any]:
    panel = knowledge.genes
    findings = athlete.result.findings
    called = sum(f.call.status is Status.CALLED for f in findings)
    needs = attention(athlete, knowledge, today)
    minor = is_minor(athlete, today)
    labs = {c.marker: {"symbol": c.symbol, "word": c.word, "band": c.band, "severity": c.severity,
                       "value": None if coach else c.value, "date": c.date.isoformat() if c.date else "undated",
                       "arrow": c.arrow, "trend": c.trend, "previous": None if coach else c.previous,
                       "retest_on": c.retest_on.isoformat() if c.retest_on else None, "retest": c.retest}
            for c in lab_cells(athlete, knowledge, today)}
    return {
        "id": athlete.id, "name": athlete.name, "roster": [athlete.roster.get(c, "") for c in athlete.roster],
        "report": f"{athlete.id}.html", "minor": minor,
        "coverage": "—" if minor else f"{called}/{len(findings)}", "called": -1 if minor else called,
        "discuss": None if minor else len(counted(panel, findings)),
        "needs": list(dict.fromkeys(a.label for a in needs)), "rank": min((a.rank for a in needs), default=99),
        "cells": [] if minor else [_cell_view(f, panel, coach) for f in findings],
        "labs": labs, "group": (athlete.roster.get(group_by) or NO_GROUP) if group_by else "",
    }


def _sorts(rows: list[dict[str, Any]], panel: Panel, grouped: bool) -> list[dict[str, Any]]:
    notability = {c: i for i, c in enumerate(panel.by_notability)}
    last = len(notability) + 1
    by_name = lambda r: r["name"].lower()  # noqa: E731
    keys: list[tuple[str, str, Any]] = [
        ("name", "athlete", by_name),
        ("attention", "needs attention", lambda r: (r["rank"], -len(r["needs"]), by_name(r))),
    ]
    if len(rows) <= MANY:
        for i, marker in enumerate(panel.markers):
            keys.append((f"m{i}", f"{marker.gene} {marker.name}", lambda r, i=i: (
                last if r["minor"] else notability.get(r["cells"][i]["category"], len(notability)), by_name(r))))
        keys += [("discuss", "results to discuss", lambda r: (-(r["discuss"] or 0), r["minor"], by_name(r))),
                 ("coverage", "coverage", lambda r: (r["called"] < 0, r["called"], by_name(r)))]
    return [{"key": k, "label": label, "groups": _grouped(sorted(rows, key=key), grouped)} for k, label, key in keys]


def _grouped(rows: list[dict[str, Any]], grouped: bool) -> list[dict[str, Any]]:
    """The rows in groups (one group holding all when there is no --group-by), groups by name."""
    if not grouped:
        return [{"label": None, "rows": rows, "count": len(rows)}]
    labels = sorted({r["group"] for r in rows}, key=lambda g: (g == NO_GROUP, g.lower()))
    return [{"label": g, "rows": [r for r in rows if r["group"] == g],
             "count": sum(r["group"] == g for r in rows)} for g in labels]


def _group_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"label": g["label"], "count": g["count"], "attention": sum(bool(r["needs"]) for r in g["rows"]),
             "minors": sum(r["minor"] for r in g["rows"])} for g in _grouped(rows, True)]


def _kept_note(kept: dict[str, Any] | None) -> str:
    if not kept:
        return ""
    when = f"of {kept['date']}" if kept["date"] else "before"
    return f" Kept from the run {when}, not updated: {', '.join(kept['files'])}."


def _counts(athletes: list[Athlete], panel: Panel) -> dict[str, dict[str, int]]:
    """Per marker: how many athletes have each genotype (or no-call / not-tested)."""
    counts = {}
    for i, marker in enumerate(panel.markers):
        tally = Counter(genotype_or_status(a.result.findings[i]) for a in athletes)
        counts[f"{marker.gene} {marker.rsid}"] = dict(sorted(tally.items()))
    return counts


def genotype_or_status(finding: Finding) -> str:
    return str(finding.call.genotype) if finding.call.status is Status.CALLED else str(finding.call.status)


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
        "low_quality": finding.call.low_quality,      # shown, but not among the results to discuss
        "outside": None if coach or finding.call.outside is None else str(finding.call.outside) + (
            f"; the file said {finding.call.outside.file_genotype}" if finding.call.outside.file_genotype else ""),
    }
