"""The person behind the file: a --profile TOML (or roster columns) read into a Profile, every
field optional and each bad field refused in one line; and what follows from it on a given day
(under 18, the plan's bands as real dates before a race)."""

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from itbs_geno.errors import InputError
from itbs_geno.model import Injury, Person, Profile

FIELDS = ("name", "sex", "birth_year", "weekly_km", "longest_run_km", "injuries", "race_date")
SEXES = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male"}
SIDES = ("left", "right", "both")
ADULT_AGE = 18
# The plan's time bands (plan.BANDS) as days from the report date: [first, last].
BAND_DAYS = {"this-week": (0, 6), "next-4-weeks": (7, 27), "weeks-5-12": (28, 83)}
# Consensus position on minors (Webborn et al. 2015, BJSM): said before any genetic result.
MINOR_NOTE = ("Under 18 on the date of this report. Sports scientists and doctors agreed in a 2015 consensus "
              "statement (Webborn et al., British Journal of Sports Medicine, doi:10.1136/bjsports-2015-095343) "
              "that no child or young athlete should have a genetic test used to shape their training or to "
              "judge their talent. Read the gene results below with a doctor and your family, as information "
              "only: they must not change training, selection or anything else.")


def read_profile(path: Path) -> Profile:
    """A --profile file; raises InputError naming the file and the field."""
    import tomllib  # here, not at the top: only a --profile needs a TOML parser

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such profile file; check the path given to --profile") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the profile ({err}); save it as UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: not valid TOML ({err}); see sample_genomes/sample_profile.toml") from None
    return profile_from(data, str(path))


def profile_from(data: Mapping[str, Any], where: str) -> Profile:
    """A profile from TOML values or roster cells (text); `where` names the file (and row) in messages."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown profile field '{unknown[0]}'; the fields are {', '.join(FIELDS)}")
    given = {k: v for k, v in data.items() if v not in ("", None)}
    return Profile(
        name=_text(given, "name", where),
        sex=_sex(given.get("sex"), where),
        birth_year=_year(given.get("birth_year"), where),
        weekly_km=_km(given, "weekly_km", where, 400),
        longest_run_km=_km(given, "longest_run_km", where, 250),
        injuries=tuple(_injury(item, f"{where}: injuries[{i}]") for i, item in enumerate(_list(given, where))),
        race_date=_date(given.get("race_date"), f"{where}: field 'race_date'"),
    )


def person(profile: Profile, on: dt.date) -> Person:
    return Person(profile, on, is_minor(profile.birth_year, on), calendar(profile.race_date, on))


def is_minor(birth_year: int | None, on: dt.date) -> bool:
    """Whoever may still be under 18 on `on`: a birth year alone cannot tell whether the birthday has
    passed, so someone turning 18 this year counts as a minor."""
    return birth_year is not None and on.year - birth_year <= ADULT_AGE


def calendar(race_date: dt.date | None, on: dt.date) -> tuple[tuple[str, dt.date, dt.date], ...]:
    """The plan's bands as real dates, when a race date anchors them (a race already past anchors nothing)."""
    if race_date is None or race_date < on:
        return ()
    return tuple((band, on + dt.timedelta(days=first), on + dt.timedelta(days=last))
                 for band, (first, last) in BAND_DAYS.items())


def _text(given: Mapping[str, Any], key: str, where: str) -> str | None:
    value = given.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{where}: field '{key}' should be text")
    return value.strip() if value else None


def _sex(value: Any, where: str) -> str | None:
    if value is None:
        return None
    sex = SEXES.get(str(value).strip().lower())
    if sex is None:
        raise InputError(f"{where}: field 'sex' should be female or male, not '{value}' (leave it out if unknown)")
    return sex


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise InputError(f"{where}: field 'birth_year' should be a year such as 1990, not '{value}'") from None
    if not 1900 <= year <= dt.date.today().year:
        raise InputError(f"{where}: field 'birth_year' {year} is not a plausible birth year")
    return year


def _km(given: Mapping[str, Any], key: str, where: str, most: float) -> float | None:
    value = given.get(key)
    if value is None:
        return None
    try:
        km = float(str(value).strip())
    except ValueError:
        raise InputError(f"{where}: field '{key}' should be a distance in km, such as 18, not '{value}'") from None
    if not 0 < km <= most:
        raise InputError(f"{where}: field '{key}' should be between 0 and {most:g} km, not {km:g}")
    return km


def _list(given: Mapping[str, Any], where: str) -> list[Any]:
    value = given.get("injuries", [])
    if isinstance(value, str):      # a roster cell: "itbs left 2025-09-01; achilles 2024-03-01"
        parts = [part for part in value.split(";") if part.strip()]
        return [dict(zip(("kind", "side", "date"), _cell(part), strict=True)) for part in parts]
    if not isinstance(value, list):
        raise InputError(f"{where}: field 'injuries' should be a list of [[injuries]] tables")
    return value


def _cell(part: str) -> tuple[str, str | None, str | None]:
    words = part.split()
    side = next((w for w in words if w.lower() in SIDES), None)
    date = next((w for w in words if w[:1].isdigit()), None)
    kind = " ".join(w for w in words if w not in (side, date))
    return kind, side, date


def _injury(item: Any, where: str) -> Injury:
    if not isinstance(item, dict):
        raise InputError(f"{where}: should be a table with kind, side and date")
    unknown = sorted(set(item) - {"kind", "side", "date"})
    if unknown:
        raise InputError(f"{where}: unknown field '{unknown[0]}'; an injury has kind, side and date")
    kind = str(item.get("kind") or "").strip()
    if not kind:
        raise InputError(f"{where}: field 'kind' is missing (\"itbs\" or your own words, e.g. \"achilles\")")
    side = item.get("side")
    if side is not None and str(side).lower() not in SIDES:
        raise InputError(f"{where}: field 'side' should be left, right or both, not '{side}'")
    normal = "itbs" if kind.lower() in ("itbs", "it band", "iliotibial band syndrome", "itb") else kind
    return Injury(normal, str(side).lower() if side else None, _date(item.get("date"), f"{where}: field 'date'"))


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"{where} should be a date as YYYY-MM-DD, not '{value}'") from None
