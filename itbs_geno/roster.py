"""The roster: a CSV that names the athletes (athlete_id, name) and adds free columns, matched
to inputs by file name or VCF sample name. Checked whole before any input is read."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.output import safe_name
from itbs_geno.sheets import quoted, read_csv
from itbs_geno.squad_person import HIDDEN, check_row


@dataclass(frozen=True)
class Roster:
    rows: dict[str, dict[str, str]]    # "file:<name>" and "sample:<name>" (lower case) -> the row
    columns: list[str]                 # the free columns, in the sheet's order
    asks_consent: bool = False         # the roster has a consent column: no "yes", no processing
    folder: Path | None = None         # where the roster is: outside-calls files are named relative to it


_ROSTER_KEYS = ("file", "sample", "athlete_id", "id", "name")
# Read, never shown as free columns: consent is a gate, and a birth year is personal data that
# only decides whether an athlete is a minor.
CONSENT, BIRTH_YEAR = "consent", "birth_year"
_CONTROL = (CONSENT, BIRTH_YEAR, *HIDDEN)
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
    extras = [c for c in columns if c not in _ROSTER_KEYS + _CONTROL]
    for column in extras:
        if column in builtin:
            raise InputError(f"{path}: the roster column {quoted(column)} has the name of a team.csv column; "
                             f"rename it (for example to roster_{column})")
    rows = {}
    for number, row in records:
        _check_control(path, number, row, CONSENT in columns)
        check_row(path.parent, number, row, str(path))
        given = row.get("athlete_id") or row.get("id")
        if given and safe_name(given).lower() in RESERVED_IDS:
            raise InputError(f"{path} row {number}: athlete_id {quoted(given)} is the name of the team summary "
                             f"files; choose another")
        for key in ("file", "sample"):
            # A file cell may name several files of one athlete, separated by ";" (merged into one report).
            for given in (row.get(key, "").split(";") if key == "file" else [row.get(key, "")]):
                if not given.strip():
                    continue
                name = (given.strip() if key == "sample" else Path(given.strip()).name).lower()
                if f"{key}:{name}" in rows:
                    raise InputError(f"{path} row {number}: {key} {quoted(given.strip())} is listed twice")
                rows[f"{key}:{name}"] = row
    return Roster(rows, extras, CONSENT in columns, path.parent)


def _check_control(path: Path, number: int, row: dict[str, str], asks_consent: bool) -> None:
    """consent is yes or no (a blank is not consent); birth_year is a four-digit year."""
    if asks_consent and row.get(CONSENT, "").lower() not in ("yes", "no"):
        raise InputError(f"{path} row {number}: consent {quoted(row.get(CONSENT, ''))} should be yes or no; "
                         f"an athlete is processed only with yes")
    year = row.get(BIRTH_YEAR, "")
    if year and not (year.isascii() and year.isdigit() and len(year) == 4 and 1900 <= int(year) <= 2100):
        raise InputError(f"{path} row {number}: birth_year {quoted(year)} should be a year such as 2004")


def consents(roster: "Roster", row: dict[str, str]) -> bool:
    """Without a consent column the roster says nothing, and the run goes on as before; with one,
    only an athlete whose row says yes is processed (no row is no consent)."""
    return not roster.asks_consent or row.get(CONSENT, "").lower() == "yes"


def birth_year(row: dict[str, str]) -> int | None:
    return int(row[BIRTH_YEAR]) if row.get(BIRTH_YEAR) else None


def refused_by_file(roster: "Roster", item: str) -> str | None:
    """Who an input is, when its file-name row says consent no (it is then not even read)."""
    row = roster.rows.get(f"file:{Path(item.rstrip('/')).name.lower()}")
    if row is None or consents(roster, row):
        return None
    return row.get("name") or row.get("athlete_id") or row.get("id") or Path(item).name


def row_for(roster: dict[str, dict[str, str]], item: str, sample: str, multi_sample: bool) -> dict[str, str]:
    """A multi-sample VCF is matched by sample name; a single-person file by its file name, then sample."""
    keys = [f"sample:{sample.lower()}"]
    if not multi_sample:
        keys.insert(0, f"file:{Path(item.rstrip('/')).name.lower()}")
    return next((roster[k] for k in keys if k in roster), {})
