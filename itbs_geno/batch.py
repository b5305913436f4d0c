"""Batch: many inputs (files, folders, multi-sample VCFs) -> one result per athlete, in input order.

Work runs on a process pool, or on a Dask cluster, and each input comes back as its
results or as a Failure; this module is the only place that catches broadly, so one bad
or crashing input never stops the others.
"""

import dataclasses
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from itbs_geno import cluster, labs
from itbs_geno.errors import InputError
from itbs_geno.knowledge import Knowledge
from itbs_geno.lab_model import LabPanel
from itbs_geno.labs import LabSheet
from itbs_geno.model import Profile, SampleResult
from itbs_geno.output import safe_name
from itbs_geno.pipeline import analyse, finish
from itbs_geno.roster import RESERVED_IDS, Roster, birth_year, consents, row_for
from itbs_geno.sheets import display, quoted
from itbs_geno.squad_person import prepare, row_profile

EXIT_SOME_FAILED = 3          # documented: the run finished, but some inputs could not be read


@dataclass(frozen=True)
class Failure:
    input: str
    message: str


@dataclass(frozen=True)
class Athlete:
    id: str                            # file-system safe and unique within the batch
    name: str
    input: str
    roster: dict[str, str]             # the roster's free columns (sport, position, …)
    result: SampleResult
    birth_year: int | None = None      # from the roster; decides whether the athlete is a minor
    profile: Profile | None = None     # the roster's profile columns (squad_person.py)


@dataclass
class Batch:
    athletes: list[Athlete]
    failures: list[Failure]
    skipped: list[str]                 # files in folders that are not genotype files
    roster_columns: list[str]
    no_consent: list[str] = dataclasses.field(default_factory=list)   # athletes not processed: no consent
    asks_consent: bool = False         # the roster has a consent column


# Files a folder may hold beside the downloads that are never genotype data.
_NOT_INPUT_SUFFIXES = (".tbi", ".csi", ".md", ".pdf", ".html", ".htm", ".json", ".png", ".jpg", ".jpeg", ".ini")


def expand(inputs: Iterable[str], outdir: Path | None = None) -> tuple[list[str], list[str]]:
    """Files as given, folders searched recursively, URLs passed on. In a folder, index files,
    documents and hidden files are skipped (and listed); every other file is read, so a broken
    download is reported rather than silently ignored. Returns (inputs, skipped)."""
    items, skipped = [], []
    own = outdir.resolve() if outdir else None
    for given in inputs:
        path = Path(given)
        if "://" in given or not path.is_dir():
            items.append(given)
            continue
        for found in sorted(p for p in path.rglob("*") if p.is_file()):
            if own and own in found.resolve().parents:
                continue                      # our own outputs from an earlier run
            hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
            if hidden or found.name.lower().endswith(_NOT_INPUT_SUFFIXES):
                skipped.append(str(found))
            else:
                items.append(str(found))
    return items, skipped


def is_url(text: str) -> bool:
    """An fsspec URL (s3://, https://, ftp://, zip::…://…) rather than a path; file:// is a local path."""
    return "://" in text and not text.startswith("file://")


def refuse_urls(inputs: Iterable[str], remote_inputs: bool) -> None:
    """Reading over the network is an explicit choice, never a side effect of a file name."""
    urls = [i for i in inputs if is_url(i)]
    if urls and not remote_inputs:
        raise InputError(f"{quoted(urls[0], 100)}: a URL, and remote inputs are off; add --remote-inputs to "
                         f"download it (itbs-geno reaches no network unless asked)")


def process(item: str, assume_ref: bool = False, remote_inputs: bool = False) -> list[SampleResult] | Failure:
    """One input, in a worker: its results, or a Failure that says why. Never raises."""
    _exit_if_orphaned()
    try:
        with _LocalCopy(item, remote_inputs) as path:
            return analyse(path, assume_ref=assume_ref)
    except InputError as err:
        return Failure(item, str(err))
    except Exception as err:  # noqa: BLE001 - the batch boundary: a bug in one input must not stop the rest
        return Failure(item, f"internal error ({type(err).__name__}: {err}); please report it")


class _LocalCopy:
    """A local path for an input: the path itself, or a temporary copy of an fsspec URL."""

    def __init__(self, item: str, remote_inputs: bool):
        self.item, self.remote = item, remote_inputs
        self.folder: str | None = None

    def __enter__(self) -> Path:
        if self.item.startswith("file://"):
            return Path(self.item[len("file://"):])
        if not is_url(self.item):
            return Path(self.item)
        if not self.remote:
            raise InputError(f"{self.item}: a URL, and remote inputs are off (--remote-inputs)")
        import fsspec  # only when asked for, e.g. on a cluster whose inputs live in object stores

        folder = self.folder = tempfile.mkdtemp(prefix="itbs-geno-")
        target = Path(folder) / safe_name(self.item.rstrip("/").rsplit("/", 1)[-1])
        try:
            with fsspec.open(self.item, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, ValueError) as err:
            raise InputError(f"{self.item}: cannot be fetched ({err})") from None
        return target

    def __exit__(self, *exc) -> None:
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


Outcome = list[SampleResult] | Failure

WORKERS_PER_CORE = 4          # each worker is a Python process of ~100 MB; more only thrash


def pool_size(jobs: int, inputs: int) -> int:
    """Worker processes for a run: as asked, but never more than the inputs, nor than
    WORKERS_PER_CORE per core (--jobs 10000 once forked thousands of processes)."""
    return max(1, min(jobs, inputs, WORKERS_PER_CORE * default_jobs()))


def run(items: list[str], jobs: int, assume_ref: bool = False, scheduler: str | None = None,
        strict: bool = False, tick: Callable[[], None] = lambda: None, remote_inputs: bool = False) -> list[Outcome]:
    """Process every input; outcomes come back in input order."""
    def arrived(outcome: Outcome) -> None:
        tick()
        _stop_if_strict(strict, outcome)

    if scheduler:
        return cluster.run(process, items, cluster.check_scheduler(scheduler), arrived, assume_ref=assume_ref,
                           remote_inputs=remote_inputs)
    workers = pool_size(jobs, len(items))
    if workers <= 1:
        results = []
        for item in items:
            results.append(process(item, assume_ref, remote_inputs))
            arrived(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(process, item, assume_ref, remote_inputs): i for i, item in enumerate(items)}
        finished: dict[int, Outcome] = {}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finished[futures[future]] = _outcome(future, items[futures[future]])
                    arrived(finished[futures[future]])
        except BaseException:               # Ctrl-C, SIGTERM or --strict: drop the queued work, then stop
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [finished[i] for i in range(len(items))]


def _outcome(future: Future, item: str) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:               # a worker died (out of memory, killed): the pool is gone
        return Failure(item, f"{item}: the worker process reading it died (out of memory, or killed); "
                             f"run the batch again, with --jobs 1 to find the input that causes it")


_PR_SET_PDEATHSIG = 1                       # from <linux/prctl.h>
_parent: int | None = None                  # set in pool workers only


def _worker_start(parent: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which stops the batch cleanly (no
    worker tracebacks), and die with the parent, so a killed batch leaves no orphans."""
    global _parent  # noqa: PLW0603 - a pool worker's one piece of state, set once by its initializer
    _parent = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)      # a forked worker inherits the parent's handler
    if sys.platform.startswith("linux"):
        import ctypes

        try:    # the kernel kills this worker when the parent dies, even by SIGKILL
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    _exit_if_orphaned()                                # the parent may have died before prctl


def _exit_if_orphaned() -> None:
    """Without prctl (macOS, Windows), a worker whose parent is gone stops before its next input."""
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)


def _stop_if_strict(strict: bool, outcome: Outcome) -> None:
    if strict and isinstance(outcome, Failure):
        raise InputError(f"{outcome.message} (--strict: stopped at the first failure)")


def assemble(items: list[str], outcomes: list[Outcome], knowledge: Knowledge, roster: Roster | None = None,
             lab_sheet: LabSheet | None = None, skipped: list[str] | None = None,
             no_consent: list[str] | None = None, today: dt.date | None = None) -> Batch:
    """Name the athletes (roster), leave out those without consent, refuse duplicates by content
    and by id, attach the labs (and so complete each plan). `no_consent`: inputs already left
    unread because their roster row says no."""
    roster = roster or Roster({}, [])
    refused = list(no_consent or [])
    failures: list[Failure] = []
    candidates: list[tuple[str, SampleResult, dict[str, str]]] = []
    seen_content: dict[str, str] = {}
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, Failure):
            failures.append(outcome)
            continue
        digest = outcome[0].source.sha256
        if digest in seen_content:
            failures.append(Failure(item, f"{item}: the same content as {seen_content[digest]}; "
                                          f"not read twice (remove one of them)"))
            continue
        seen_content[digest] = item
        for result in outcome:
            candidates.append((item, result, row_for(roster.rows, item, result.sample, len(outcome) > 1)))
    candidates, problems = prepare(candidates, roster.folder, knowledge.genes)
    failures += [Failure(item, message) for item, message in problems]
    athletes: list[Athlete] = []
    used: dict[str, str] = {}
    for item, result, row in candidates:
        if not consents(roster, row):
            refused.append(display(row.get("name") or row.get("athlete_id") or row.get("id") or result.sample))
            continue
        wanted = safe_name(row.get("athlete_id") or row.get("id") or result.sample)
        if wanted.lower() in RESERVED_IDS:
            failures.append(Failure(item, f'{item}: athlete id "{wanted}" is the name of the team summary files; '
                                          f"give this athlete another athlete_id in the roster"))
            continue
        if wanted.lower() in used:
            failures.append(Failure(item, f'{item}: athlete id "{wanted}" is already used by {used[wanted.lower()]}; '
                                          f"give one of them another athlete_id in the roster"))
            continue
        used[wanted.lower()] = item
        extras = {c: display(row.get(c, "")) for c in roster.columns}
        name = display(row.get("name") or result.sample) or wanted
        athletes.append(Athlete(wanted, name, item, extras, result, birth_year(row), row_profile(row, "roster")))
    if lab_sheet is not None:
        athletes = _attach_team_labs(athletes, lab_sheet, knowledge, today)
    else:   # the plan again, with the athlete's own risk factors first
        athletes = [dataclasses.replace(a, result=finish(a.result, knowledge, [], a.profile, today)) if a.profile
                    else a for a in athletes]
    return Batch(athletes, failures, skipped or [], roster.columns, refused, roster.asks_consent)


def read_team_labs(path: Path, lab_panel: LabPanel, today: dt.date | None = None) -> LabSheet:
    """The team lab sheet, checked whole before any input is read (no date after the run date)."""
    rows = labs.read_sheet(path, lab_panel, today)
    if not any(r.athlete for r in rows):
        raise InputError(f"{path}: a team lab sheet needs an athlete column (athlete id, name or sample)")
    return LabSheet(path, rows)


def _attach_team_labs(athletes: list[Athlete], sheet: LabSheet, knowledge: Knowledge,
                      today: dt.date | None) -> list[Athlete]:
    """Each athlete's rows, matched by athlete id, name or sample (labs.match, as for one report)."""
    people = [{a.id, a.name, a.result.sample} for a in athletes]
    return [dataclasses.replace(a, result=finish(a.result, knowledge, mine, a.profile, today))
            for a, mine in zip(athletes, labs.match(sheet.rows, people, sheet.path, alone=False), strict=True)]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
