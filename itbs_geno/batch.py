"""Batch: many inputs (files, folders, multi-sample VCFs) -> one result per athlete, in input order.

Work runs on a process pool, or on a Dask cluster, and each input comes back as its
results or as a Failure; this module is the only place that catches broadly, so one bad
or crashing input never stops the others.
"""

import csv
import dataclasses
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from itbs_geno import labs
from itbs_geno.errors import InputError
from itbs_geno.labs import load_lab_panel
from itbs_geno.model import SampleResult
from itbs_geno.output import safe_name
from itbs_geno.panel import Panel
from itbs_geno.pipeline import analyse

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


@dataclass
class Batch:
    athletes: list[Athlete]
    failures: list[Failure]
    skipped: list[str]                 # files in folders that are not genotype files
    roster_columns: list[str]


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


def process(item: str, assume_ref: bool = False) -> list[SampleResult] | Failure:
    """One input, in a worker: its results, or a Failure that says why. Never raises."""
    try:
        with _LocalCopy(item) as path:
            return analyse(path, assume_ref=assume_ref)
    except InputError as err:
        return Failure(item, str(err))
    except Exception as err:  # noqa: BLE001 - the batch boundary: a bug in one input must not stop the rest
        return Failure(item, f"internal error ({type(err).__name__}: {err}); please report it")


class _LocalCopy:
    """A local path for an input: the path itself, or a temporary copy of an fsspec URL."""

    def __init__(self, item: str):
        self.item, self.folder = item, None

    def __enter__(self) -> Path:
        if self.item.startswith("file://"):
            return Path(self.item[len("file://"):])
        if "://" not in self.item:
            return Path(self.item)
        import fsspec  # only on a cluster, where inputs may live in object stores

        self.folder = tempfile.mkdtemp(prefix="itbs-geno-")
        target = Path(self.folder) / self.item.rstrip("/").rsplit("/", 1)[-1]
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


def run(items: list[str], jobs: int, assume_ref: bool = False, scheduler: str | None = None,
        strict: bool = False, tick: Callable[[], None] = lambda: None) -> list[Outcome]:
    """Process every input; outcomes come back in input order."""
    if scheduler:
        return _run_dask(items, scheduler, assume_ref)
    if jobs <= 1 or len(items) <= 1:
        outcomes = []
        for item in items:
            outcomes.append(process(item, assume_ref))
            tick()
            _stop_if_strict(strict, outcomes[-1])
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts) as pool:
        futures = {pool.submit(process, item, assume_ref): i for i, item in enumerate(items)}
        outcomes: list[Outcome | None] = [None] * len(items)
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes[futures[future]] = future.result()
                    tick()
                    _stop_if_strict(strict, outcomes[futures[future]])
        except BaseException:               # Ctrl-C or --strict: drop the queued work, then stop
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return outcomes


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly (no worker tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_if_strict(strict: bool, outcome: Outcome) -> None:
    if strict and isinstance(outcome, Failure):
        raise InputError(f"{outcome.message} (--strict: stopped at the first failure)")


def _run_dask(items: list[str], scheduler: str, assume_ref: bool) -> list[Outcome]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'itbs-geno[cluster]'") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as err:
        raise InputError(f"{scheduler}: cannot reach the Dask scheduler ({err})") from None
    with client:
        futures = client.map(process, items, assume_ref=assume_ref, pure=False)
        return client.gather(futures)


def assemble(items: list[str], outcomes: list[Outcome], panel: Panel, roster_path: Path | None = None,
             labs_path: Path | None = None, skipped: list[str] | None = None) -> Batch:
    """Name the athletes (roster), refuse duplicates by content and by id, attach the labs."""
    roster, roster_columns = read_roster(roster_path) if roster_path else ({}, [])
    failures, candidates, seen_content = [], [], {}
    for item, outcome in zip(items, outcomes):
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
            candidates.append((item, result, _roster_row(roster, item, result.sample, len(outcome) > 1)))
    athletes, used = [], {}
    for item, result, row in candidates:
        wanted = safe_name(row.get("athlete_id") or row.get("id") or result.sample)
        if wanted.lower() in used:
            failures.append(Failure(item, f'{item}: athlete id "{wanted}" is already used by {used[wanted.lower()]}; '
                                          f"give one of them another athlete_id in the roster"))
            continue
        used[wanted.lower()] = item
        extras = {c: row.get(c, "") for c in roster_columns}
        athletes.append(Athlete(wanted, row.get("name") or result.sample, item, extras, result))
    if labs_path:
        athletes = _attach_team_labs(athletes, labs_path, panel)
    return Batch(athletes, failures, skipped or [], roster_columns)


_ROSTER_KEYS = ("file", "sample", "athlete_id", "id", "name")


def read_roster(path: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Roster rows keyed by file name (or path) and by VCF sample name; plus its free columns."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in reader.fieldnames or []]
            lowered = [c.lower() for c in columns]
            if "file" not in lowered and "sample" not in lowered:
                raise InputError(f"{path}: the roster needs a 'file' or 'sample' column to match inputs")
            rows = {}
            for number, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                for key in ("file", "sample"):
                    if row.get(key):
                        name = (row[key] if key == "sample" else Path(row[key]).name).lower()
                        if (key, name) in rows:
                            raise InputError(f"{path} row {number}: {key} {row[key]!r} is listed twice")
                        rows[(key, name)] = row
    except FileNotFoundError:
        raise InputError(f"{path}: no such roster; check the path") from None
    except OSError as err:
        raise InputError(f"{path}: the roster cannot be read ({err.strerror or err}); check the path and its permissions") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise InputError(f"{path}: not a readable CSV roster ({err}); save it as UTF-8 CSV") from None
    extras = [c.lower() for c in columns if c.lower() not in _ROSTER_KEYS]
    return {f"{k}:{n}": row for (k, n), row in rows.items()}, extras


def _roster_row(roster: dict[str, dict[str, str]], item: str, sample: str, multi_sample: bool) -> dict[str, str]:
    """A multi-sample VCF is matched by sample name; a single-person file by its file name, then sample."""
    keys = [f"sample:{sample.lower()}"]
    if not multi_sample:
        keys.insert(0, f"file:{Path(item.rstrip('/')).name.lower()}")
    return next((roster[k] for k in keys if k in roster), {})


def _attach_team_labs(athletes: list[Athlete], path: Path, panel: Panel) -> list[Athlete]:
    lab_panel = load_lab_panel(panel)
    rows = labs.read_sheet(path, lab_panel)
    if not any(r.athlete for r in rows):
        raise InputError(f"{path}: a team lab sheet needs an athlete column (athlete id, name or sample)")
    attached = []
    for athlete in athletes:
        names = {athlete.id.lower(), athlete.name.lower(), athlete.result.sample.lower()}
        mine = [r for r in rows if (r.athlete or "").lower() in names]
        biomarkers = labs.judge(mine, lab_panel)
        attached.append(dataclasses.replace(athlete, result=dataclasses.replace(athlete.result, biomarkers=biomarkers)))
    return attached


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
