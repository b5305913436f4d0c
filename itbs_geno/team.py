"""The team summary (team.html, team.csv, team.xlsx, team.ics, team.json, and with --pdf
team.pdf) and the batch's output folder.

Every file is written atomically, by one run at a time (outdirs.locked). A re-run
into the same folder replaces its outputs and removes the ones a previous run wrote that this
run did not (listed in team.json, and each removal listed in the new team.json), except the
reports of an input that failed this time: those are kept and marked as from the earlier run.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itbs_geno import __version__, render, team_files, team_table
from itbs_geno.batch import Athlete, Batch
from itbs_geno.errors import InputError
from itbs_geno.knowledge import Knowledge
from itbs_geno.output import write_atomic
from itbs_geno.panel_model import Panel
from itbs_geno.profile import MINOR_NOTE as PROFILE_MINOR_NOTE
from itbs_geno.result_json import as_json
from itbs_geno.team_page import genotype_or_status, team_view
from itbs_geno.team_status import is_minor

MANIFEST = "team.json"


@dataclass
class Written:
    paths: list[Path]                                          # written by this run
    removed: list[str] = field(default_factory=list)           # an earlier run's outputs, now removed
    kept: list[str] = field(default_factory=list)              # an earlier run's reports of inputs that failed now


@dataclass(frozen=True)
class TeamOptions:
    coach_view: bool = False
    shareable: bool = False
    group_by: str | None = None        # a roster column (lower case, as the roster reads it)
    pdf: bool = False


# Their own report leads with the consensus note for an athlete under 18 (profile.MINOR_NOTE).
MINOR_NOTE = PROFILE_MINOR_NOTE + " The team pages show this athlete's lab results only."


def write(batch: Batch, outdir: Path, knowledge: Knowledge, today: dt.date,
          options: TeamOptions | None = None) -> Written:
    """Write every athlete's report, JSON and retest calendar, then the team files; return what
    was written, removed and kept. The caller holds the folder (`locked`)."""
    options = options or TeamOptions()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{outdir}: cannot create the output folder ({err.strerror})") from None
    previous = _previous_run(outdir)
    panel = knowledge.genes
    written = []
    for athlete in batch.athletes:            # written one by one: 500 reports need not sit in memory
        for name, text in ((f"{athlete.id}.html", _report(athlete, knowledge, today)),
                           (f"{athlete.id}.json", _dumps(as_json(athlete.result, panel)))):
            write_atomic(outdir / name, text, options.shareable)
            written.append(outdir / name)
    files: dict[str, str | bytes] = dict(team_files.calendars(batch, knowledge, today))
    group_by = options.group_by.strip().lower() if options.group_by else None
    views = (False, True) if options.coach_view else (False,)
    for coach in views:
        stem = "team_coach" if coach else "team"
        tables = team_table.frames(batch, knowledge, today, coach)
        files[f"{stem}.csv"] = team_table.to_csv(tables.wide)
        if not coach:
            files["team.xlsx"] = team_files.xlsx(tables, today)
    pages = {"team_coach.html" if coach else "team.html": coach for coach in views}
    pdfs = [name.replace(".html", ".pdf") for name in pages] if options.pdf else []
    this_run = {p.name for p in written} | set(files) | set(pages) | set(pdfs) | {MANIFEST}
    kept = _kept(batch, previous, this_run, outdir)
    for name, coach in pages.items():
        files[name] = render.page("team.html", team_view(batch, knowledge, today, coach, kept, group_by))
    for name, content in files.items():
        write_atomic(outdir / name, content, options.shareable)
        written.append(outdir / name)
    if pdfs:
        from itbs_geno.pdf import print_pdfs  # one browser prints them all

        print_pdfs([(outdir / name.replace(".pdf", ".html"), outdir / name) for name in pdfs], options.shareable)
        written += [outdir / name for name in pdfs]
    kept_files = {f for k in kept.values() for f in k["files"]}
    removed = sorted(n for n in previous.outputs - this_run - kept_files if (outdir / n).exists())
    outputs = sorted({p.name for p in written} | kept_files) + [MANIFEST]
    write_atomic(outdir / MANIFEST, _dumps(team_json(batch, panel, today, outputs, kept, removed)),
                 options.shareable)
    written.append(outdir / MANIFEST)
    for stale in removed:
        (outdir / stale).unlink(missing_ok=True)
    return Written(written, removed, sorted(kept_files))


def _report(athlete: Athlete, knowledge: Knowledge, today: dt.date) -> str:
    """The athlete's own report; a minor's leads with the consensus note."""
    if not is_minor(athlete, today):
        return render.html(athlete.result, knowledge, today)
    return render.page("report.html", {**render.view(athlete.result, knowledge, today), "lead_notice": MINOR_NOTE})


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
            own = (f"{athlete['id']}.html", f"{athlete['id']}.json", f"{athlete['id']}.ics")
            entry["files"] += [f for f in own if f in outputs]
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
    adults = [a for a in batch.athletes if not is_minor(a, today)]
    return {
        "tool": {"name": "itbs-geno", "version": __version__},
        "panel": {"version": panel.version, "date": panel.date},
        "date": today.isoformat(),
        "athletes": [{"id": a.id, "name": a.name, "input": a.input, "roster": a.roster,
                      "report": f"{a.id}.html", "minor": is_minor(a, today), "result": _result_json(a, panel, today)}
                     for a in batch.athletes],
        "counts": _counts(adults, panel),          # minors' genotypes are never counted on a team output
        "not_processed": [{"athlete": name, "reason": "no consent"} for name in batch.no_consent],
        "failures": [{"input": f.input, "message": f.message, **({"kept": kept[f.input]} if f.input in kept else {})}
                     for f in batch.failures],
        "skipped": batch.skipped,
        "outputs": outputs,
        "removed": removed or [],          # an earlier run's outputs that this run removed
    }


def _result_json(athlete: Athlete, panel: Panel, today: dt.date) -> dict[str, Any]:
    """The athlete's JSON result; a minor's without genetic results (markers, gene plan steps)."""
    data = as_json(athlete.result, panel, today=today)
    if is_minor(athlete, today):
        data["markers"] = []
        data["plan"] = [step for step in data["plan"] if step["gene"] is None]
        data["genetics"] = team_table.WITHHELD
    return data


def _counts(athletes: list[Athlete], panel: Panel) -> dict[str, dict[str, int]]:
    """Per marker: how many athletes have each genotype (or no-call / not-tested)."""
    counts = {}
    for i, marker in enumerate(panel.markers):
        tally: dict[str, int] = {}
        for a in athletes:
            key = genotype_or_status(a.result.findings[i])
            tally[key] = tally.get(key, 0) + 1
        counts[f"{marker.gene} {marker.rsid}"] = dict(sorted(tally.items()))
    return counts


def builtin_columns(knowledge: Knowledge) -> list[str]:
    """team.csv's own columns (either view), which a roster's free column must not shadow."""
    empty = Batch([], [], [], [])
    return team_table.csv_columns(empty, knowledge, coach=False) + team_table.csv_columns(empty, knowledge, coach=True)


