"""The person's part of the report and its JSON twin: the profile and what follows from it (the
long-run cap, under 18, the plan's real dates, which lab bands were used), outside calls and
several files in the quality table, and what changed since the previous report. Display only."""

from collections.abc import Sequence
from typing import Any

from itbs_geno.model import BiomarkerResult, Changes, Finding, Person, SampleResult
from itbs_geno.person_plan import long_run_cap
from itbs_geno.profile import MINOR_NOTE

CHANGE_KINDS = {"category": "Result changed with the panel", "evidence": "Evidence changed with the panel",
                "new-call": "New call", "lost-call": "Call lost", "genotype": "Different genotype",
                "new-marker": "New marker", "lab": "Lab value"}


def profile_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    p = person.profile
    return {
        "name": p.name, "sex": p.sex, "birth_year": p.birth_year, "minor": person.minor,
        "weekly_km": p.weekly_km, "longest_run_km": p.longest_run_km,
        "long_run_cap_km": None if p.longest_run_km is None else long_run_cap(p.longest_run_km),
        "injuries": [{"kind": i.kind, "side": i.side, "date": i.date.isoformat() if i.date else None}
                     for i in p.injuries],
        "race_date": p.race_date.isoformat() if p.race_date else None,
        "calendar": [{"band": band, "start": start.isoformat(), "end": end.isoformat()}
                     for band, start, end in person.calendar],
        "lab_bands": p.sex or "not sex-specific",
    }


def person_view(result: SampleResult) -> dict[str, Any]:
    """Extra keys for the report's view (render.view merges them in)."""
    person = result.person
    view: dict[str, Any] = {
        "lead_notice": MINOR_NOTE if person and person.minor else None,
        "profile": _profile_rows(person),
        "lab_bands_note": lab_bands_note(result.biomarkers, person),
        "files": [{"name": s.name, "format": s.format_label, "sha256": s.sha256} for s in result.sources],
        "changes": changes_view(result.changes),
        "calendar": _calendar(person),
    }
    return view


def lab_bands_note(biomarkers: Sequence[BiomarkerResult], person: Person | None) -> str:
    sexed = [b for b in biomarkers if b.band_set]
    if sexed:
        names = ", ".join(b.name.split(" (")[0] for b in sexed)
        return (f"{names}: judged by the {sexed[0].band_set} bands, from your profile; the other markers "
                f"have one set of bands for everyone.")
    if biomarkers and (person is None or person.profile.sex is None):
        return ("These bands are not sex-specific: no sex was given, so ferritin is judged by one set for "
                "everyone. Add sex to a profile (--profile) for the female or male bands.")
    return ""


def _profile_rows(person: Person | None) -> list[tuple[str, str]]:
    if person is None:
        return []
    p = person.profile
    rows = [("Name", p.name), ("Sex", p.sex), ("Birth year", str(p.birth_year) if p.birth_year else None),
            ("Weekly distance", f"{p.weekly_km:g} km" if p.weekly_km is not None else None),
            ("Longest run, last 30 days", f"{p.longest_run_km:g} km" if p.longest_run_km is not None else None),
            ("Previous injuries", "; ".join(
                ("ITBS" if i.kind == "itbs" else i.kind) + (f", {i.side}" if i.side else "")
                + (f", {i.date.isoformat()}" if i.date else "") for i in p.injuries) or None),
            ("Goal race", p.race_date.isoformat() if p.race_date else None)]
    return [(k, v) for k, v in rows if v]


def _calendar(person: Person | None) -> dict[str, str]:
    """Band id -> "1–7 Dec 2026": the plan's bands as real dates when a race date anchors them."""
    if person is None or not person.calendar:
        return {}
    shown = {band: f"{start.strftime('%-d %b')} – {end.strftime('%-d %b %Y')}" for band, start, end in person.calendar}
    race = person.profile.race_date
    if race:
        weeks = (race - person.on).days // 7
        shown["race"] = f"Goal race on {race.isoformat()}, {weeks} week{'s' if weeks != 1 else ''} from the report date"
    return shown


def changes_view(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {"since": changes.since, "old_panel": changes.old_panel, "new_panel": changes.new_panel,
            "items": [{"kind": CHANGE_KINDS.get(c.kind, c.kind), "subject": c.subject, "old": c.old,
                       "new": c.new, "why": c.why} for c in changes.items]}


def call_origin(finding: Finding) -> str:
    """How the files of one person agree at a site (the outside call, if any, is in the call's notes)."""
    call = finding.call
    if not call.agreement:
        return ""
    files = ", ".join(f"{f.file}: {f.genotype or f.status}" for f in call.per_file)
    return f"{call.agreement} [{files}]"
