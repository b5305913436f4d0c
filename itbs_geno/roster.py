"""The roster: a CSV that names the athletes (athlete_id, name) and adds free columns, matched
to inputs by file name or VCF sample name. Checked whole before any input is read."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.output import safe_name
from itbs_geno.sheets import quoted, read_csv


@dataclass(frozen=True)
class Roster:
    rows: dict[str, dict[str, str]]    # "file:<name>" and "sample:<name>" (lower case) -> the row
    columns: list[str]                 # the free columns, in the sheet's order


_ROSTER_KEYS = ("file", "sample", "athlete_id", "id", "name")
# The team summary's own names (team.html, team_coach.csv, …); compared in lower case, as
# Windows and macOS compare file names.
RESERVED_IDS = ("team", "team_coach")


def read_roster(path: Path, builtin_columns: Iterable[str] = ()) -> Roster:
    """Roster rows keyed by file name (or path) and by VCF sample name, plus its free columns;
    checked whole before any input is read. `builtin_columns` are team.csv's own columns,
    which a free column must not shadow."""
    columns, records = read_csv(path, "roster")
    if "file" not in columns and "sample" not in columns:
        raise InputError(f"{path}: the roster needs a 'file' or 'sample' column to match inputs")
    builtin = {c.lower() for c in builtin_columns}
    extras = [c for c in columns if c not in _ROSTER_KEYS]
    for column in extras:
        if column in builtin:
            raise InputError(f"{path}: the roster column {quoted(column)} has the name of a team.csv column; "
                             f"rename it (for example to roster_{column})")
    rows = {}
    for number, row in records:
        given = row.get("athlete_id") or row.get("id")
        if given and safe_name(given).lower() in RESERVED_IDS:
            raise InputError(f"{path} row {number}: athlete_id {quoted(given)} is the name of the team summary "
                             f"files; choose another")
        for key in ("file", "sample"):
            if row.get(key):
                name = (row[key] if key == "sample" else Path(row[key]).name).lower()
                if f"{key}:{name}" in rows:
                    raise InputError(f"{path} row {number}: {key} {quoted(row[key])} is listed twice")
                rows[f"{key}:{name}"] = row
    return Roster(rows, extras)


def row_for(roster: dict[str, dict[str, str]], item: str, sample: str, multi_sample: bool) -> dict[str, str]:
    """A multi-sample VCF is matched by sample name; a single-person file by its file name, then sample."""
    keys = [f"sample:{sample.lower()}"]
    if not multi_sample:
        keys.insert(0, f"file:{Path(item.rstrip('/')).name.lower()}")
    return next((roster[k] for k in keys if k in roster), {})
