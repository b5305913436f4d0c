"""`batch` from options to a written folder: everything is checked before any input is read or
any output written; then every input is read (pool or cluster), named, joined with its labs,
and the athlete reports and team summary are written under the folder's lock."""

import datetime as dt
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from itbs_geno import batch as batches
from itbs_geno import cluster, outdirs, team
from itbs_geno.errors import InputError
from itbs_geno.knowledge import load_knowledge
from itbs_geno.roster import read_roster, refused_by_file
from itbs_geno.sheets import quoted

Progress = Callable[[int], AbstractContextManager[Callable[[], None]]]   # total -> a context giving tick()


@dataclass(frozen=True)
class BatchOptions:
    inputs: tuple[str, ...]
    outdir: Path
    jobs: int | None = None
    roster_path: Path | None = None
    labs_path: Path | None = None
    coach_view: bool = False
    scheduler: str | None = None
    remote_inputs: bool = False
    strict: bool = False
    assume_ref: bool = False
    shareable: bool = False
    today: str | None = None           # the run date (--today YYYY-MM-DD): retests are due or overdue against it
    group_by: str | None = None        # a roster column the team tables are grouped by
    pdf: bool = False                  # also print team.html (and the coach view) to PDF


@dataclass(frozen=True)
class BatchRun:
    batch: batches.Batch
    written: team.Written
    notes: tuple[str, ...]            # what the user should know about how the run went


def run(options: BatchOptions, progress: Progress) -> BatchRun:
    today = run_date(options.today)
    if options.scheduler:
        cluster.check_scheduler(options.scheduler)
    batches.refuse_urls(options.inputs, options.remote_inputs)
    knowledge = load_knowledge()
    roster = read_roster(options.roster_path, team.builtin_columns(knowledge)) if options.roster_path else None
    _check_group_by(options, roster)
    sheet = batches.read_team_labs(options.labs_path, knowledge.labs, today) if options.labs_path else None
    found, skipped = batches.expand(options.inputs, options.outdir)
    if not found:
        raise InputError(f"no input files found in {', '.join(options.inputs)}")
    # An athlete whose roster row says no is never read: consent comes before the DNA file is opened.
    refused = {item: who for item in found if roster and (who := refused_by_file(roster, item))}
    items = [item for item in found if item not in refused]
    jobs = options.jobs
    workers = batches.pool_size(jobs or batches.default_jobs(), len(items))
    notes: tuple[str, ...] = ()
    if jobs and workers < jobs and not options.scheduler:
        lowered = (f"Note: --jobs {jobs} lowered to {workers} worker process(es): at most one per input and "
                   f"{batches.WORKERS_PER_CORE} per core.")
        notes = (lowered,)
    with outdirs.locked(options.outdir):
        with progress(len(items)) as tick:
            outcomes = batches.run(items, workers, options.assume_ref, options.scheduler, options.strict,
                                   tick=tick, remote_inputs=options.remote_inputs)
        result = batches.assemble(items, outcomes, knowledge, roster, sheet, skipped, list(refused.values()), today)
        written = team.write(result, options.outdir, knowledge, today, team.TeamOptions(
            options.coach_view, options.shareable, options.group_by, options.pdf))
    if result.no_consent:
        shown = result.no_consent
        notes += (f"Skipped, no consent: {', '.join(shown[:6])}"
                  + (f" and {len(shown) - 6} more (listed in team.json)" if len(shown) > 6 else ""),)
    return BatchRun(result, written, notes)


def run_date(text: str | None) -> dt.date:
    """--today: a real calendar date written YYYY-MM-DD (from 1900 on), or today."""
    if text is None:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII) else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        raise InputError(f"--today {quoted(text)}: not a date written YYYY-MM-DD from 1900 on, e.g. 2026-11-30")
    return day


def _check_group_by(options: BatchOptions, roster) -> None:
    if options.group_by is None:
        return
    if roster is None:
        raise InputError(f"--group-by {options.group_by}: groups come from a roster column; add --roster ROSTER.csv")
    if options.group_by.strip().lower() not in roster.columns:
        shown = ", ".join(roster.columns) or "none"
        raise InputError(f"{options.roster_path}: no column {options.group_by!r} to group by "
                         f"(its free columns: {shown})")
