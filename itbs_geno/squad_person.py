"""The person behind each athlete of a batch, from roster columns: the profile fields (sex,
birth_year, weekly_km, longest_run_km, injuries, race_date), outside calls (an `outside_calls`
column naming a TSV beside the roster) and several files of one athlete (a `file` cell listing
names separated by ";"), as `report --profile/--outside-calls a b` does for one person."""

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from itbs_geno.calling import with_outside_calls
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.merge import merge
from itbs_geno.model import Profile, SampleResult
from itbs_geno.outside import read_outside_calls
from itbs_geno.panel_model import Panel
from itbs_geno.profile import profile_from

PROFILE_COLUMNS = ("sex", "birth_year", "weekly_km", "longest_run_km", "injuries", "race_date")
OUTSIDE_CALLS = "outside_calls"
# Personal data that shapes the report but is never a team-table column (sex stays one: squads group by it).
HIDDEN = ("weekly_km", "longest_run_km", "injuries", "race_date", OUTSIDE_CALLS)


def row_profile(row: Mapping[str, str], where: str) -> Profile | None:
    """The profile in a roster row, or None when the row has no profile field; InputError if one is bad."""
    given = {k: row[k] for k in PROFILE_COLUMNS if row.get(k)}
    return profile_from(given, where) if given else None


def check_row(folder: Path, number: int, row: Mapping[str, str], where: str) -> None:
    """Checked with the whole roster, before any input is read."""
    row_profile(row, f"{where} row {number}")
    if row.get(OUTSIDE_CALLS) and not (folder / row[OUTSIDE_CALLS]).is_file():
        raise InputError(f"{where} row {number}: outside_calls file {row[OUTSIDE_CALLS]!r} not found beside "
                         f"the roster")


def merge_group(results: list[SampleResult], panel: Panel) -> SampleResult:
    """One athlete's several files (one person each) as one result; InputError for two people."""
    files = [(r.source, [f.call for f in r.findings]) for r in results]
    merged = merge(files)
    first = results[0]
    return dataclasses.replace(first, findings=tuple(interpret(panel, merged)), sources=tuple(s for s, _ in files))


def with_row_outside_calls(result: SampleResult, row: Mapping[str, str], folder: Path | None,
                           panel: Panel) -> SampleResult:
    if not row.get(OUTSIDE_CALLS) or folder is None:
        return result
    outside = read_outside_calls(folder / row[OUTSIDE_CALLS], panel)
    calls = with_outside_calls([f.call for f in result.findings], outside)
    return dataclasses.replace(result, findings=tuple(interpret(panel, calls)))


Candidate = tuple[str, SampleResult, dict[str, str]]     # (input, its result, its roster row)


def prepare(candidates: list[Candidate], folder: Path | None, panel: Panel) -> tuple[list[Candidate],
                                                                                   list[tuple[str, str]]]:
    """Inputs that one roster row names together merged into one result, and each row's outside
    calls applied; returns the candidates and (input, message) for those that failed."""
    groups: dict[int, list[int]] = {}
    for i, (_, _, row) in enumerate(candidates):
        if ";" in row.get("file", ""):
            groups.setdefault(id(row), []).append(i)
    ready, problems, done = [], [], set()
    for i, (item, own, row) in enumerate(candidates):
        if i in done:
            continue
        group = groups.get(id(row), [i])
        done.update(group)
        try:
            result = merge_group([candidates[j][1] for j in group], panel) if len(group) > 1 else own
            ready.append((item, with_row_outside_calls(result, row, folder, panel), row))
        except InputError as err:
            problems.append((item, str(err)))
    return ready, problems
