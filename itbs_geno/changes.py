"""What changed between two reports of one person (`report --previous OLD.json`, `itbs-geno diff`):
results whose category or evidence changed with the panel version (and the panel changelog's
reason), calls that are new, lost or different, and lab values with their trend. Works on the
JSON twin, so a report made by an older version of the tool can be compared."""

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbs_geno.errors import InputError, PanelError
from itbs_geno.model import Change, Changes
from itbs_geno.panel_model import Panel
from itbs_geno.resources import data_dir

_VERSION = re.compile(r"^\d+(\.\d+)*$")


@dataclass(frozen=True)
class Entry:
    version: str
    date: dt.date
    markers: tuple[str, ...]
    text: str


def load_changelog(panel: Panel, folder: Path | None = None) -> tuple[Entry, ...]:
    """snp_panels/CHANGELOG.toml, checked against the panel; raises PanelError naming the field."""
    from itbs_geno.toml_table import load_toml  # only --previous and diff read it: not at start-up

    data = load_toml((folder or data_dir("snp_panels")) / "CHANGELOG.toml")
    rsids = {m.rsid for m in panel.markers}
    entries = []
    for table in data.tables("changes"):
        version, text = table.get("version"), " ".join(table.get("text").split())
        if not _VERSION.match(version):
            raise PanelError(f"{table.where}: version '{version}' should be numbers and dots, like 2026.11.2")
        unknown = set(table.strings("markers")) - rsids
        if unknown:
            raise PanelError(f"{table.where}: '{min(unknown)}' is not a marker of the panel")
        try:
            date = dt.date.fromisoformat(table.get("date"))
        except ValueError:
            raise PanelError(f"{table.where}: date should be YYYY-MM-DD") from None
        entries.append(Entry(version, date, table.strings("markers"), text))
    if not entries or entries[0].version != panel.version:
        raise PanelError(f"{data.where}: the newest entry should be for panel version {panel.version}")
    if [_key(e.version) for e in entries] != sorted((_key(e.version) for e in entries), reverse=True):
        raise PanelError(f"{data.where}: entries should be newest first")
    return tuple(entries)


def read_report_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the JSON twin of an earlier report (--json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not a readable itbs-geno JSON report ({err}); give the file --json wrote") from None
    if not isinstance(data, dict) or not isinstance(data.get("markers"), list) or "panel" not in data:
        raise InputError(f"{path}: not an itbs-geno JSON report (no markers or panel); give the file --json wrote")
    return data


def between(old: dict[str, Any], new: dict[str, Any], changelog: tuple[Entry, ...]) -> Changes:
    """Every change from the `old` report to the `new` one, genes in panel order, then labs."""
    old_panel, new_panel = str(old["panel"].get("version")), str(new["panel"].get("version"))
    reasons = [e for e in changelog if _key(old_panel) < _key(e.version) <= _key(new_panel)]
    before = {m["rsid"]: m for m in old["markers"]}
    items = [c for m in new["markers"] for c in _marker_changes(before.get(m["rsid"]), m, reasons)]
    items += _lab_changes(old.get("biomarkers") or [], new.get("biomarkers") or [])
    since = old.get("date") or old["panel"].get("date") or "the previous report"
    return Changes(str(since), old_panel, new_panel, tuple(items))


def _marker_changes(old: dict[str, Any] | None, new: dict[str, Any], reasons: list[Entry]) -> list[Change]:
    subject = f"{new['gene']} {new['rsid']}"
    if old is None:
        return [Change("new-marker", subject, "not in the panel", _call_words(new), _why(new["rsid"], reasons))]
    was, now = old["status"] == "called", new["status"] == "called"
    if not was and now:
        return [Change("new-call", subject, old["status"], _call_words(new), _outside(new))]
    if was and not now:
        return [Change("lost-call", subject, _call_words(old), new["status"], new.get("flag") or "")]
    if not now:
        return []
    if old["genotype"] != new["genotype"]:
        return [Change("genotype", subject, _call_words(old), _call_words(new), _outside(new) or new.get("flag") or "")]
    found = []
    if old.get("result") != new.get("result"):
        found.append(Change("category", f"{subject} {new['genotype']}", str(old.get("result")),
                            str(new.get("result")), _why(new["rsid"], reasons)))
    elif old.get("evidence") != new.get("evidence"):
        found.append(Change("evidence", f"{subject} {new['genotype']}", str(old.get("evidence")),
                            str(new.get("evidence")), _why(new["rsid"], reasons)))
    return found


def _outside(marker: dict[str, Any]) -> str:
    found = marker.get("outside_call")
    if not found:
        return ""
    said = f"; the file said {found['file_genotype']}" if found.get("file_genotype") else ""
    return f"outside call: {found['source']}, {found['date']}{said}"


def _why(rsid: str, reasons: list[Entry]) -> str:
    mine = [f"panel {e.version} ({e.date.isoformat()}): {e.text}" for e in reasons if rsid in e.markers]
    return " ".join(mine) or "The panel's changelog has no entry for this marker."


def _call_words(marker: dict[str, Any]) -> str:
    if marker["status"] != "called":
        return str(marker["status"])
    return f"{marker['genotype']} ({marker.get('result')}, {marker.get('evidence')} evidence)"


def _lab_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    before = {b["marker"]: b for b in old}
    found = []
    for b in new:
        prior = before.get(b["marker"])
        now = f"{_num(b['value'])} {b['unit']}" + (f" on {b['date']}" if b.get("date") else "") + f" ({b.get('band')})"
        if prior is None:
            found.append(Change("lab", b["name"], "not in the previous report", now))
            continue
        if prior["value"] == b["value"] and prior.get("date") == b.get("date"):
            continue
        then = (f"{_num(prior['value'])} {prior['unit']}" + (f" on {prior['date']}" if prior.get("date") else "")
                + f" ({prior.get('band')})")
        trend = "up" if b["value"] > prior["value"] else "down" if b["value"] < prior["value"] else "unchanged"
        moved = "" if prior.get("band") == b.get("band") else f"; band {prior.get('band')} → {b.get('band')}"
        found.append(Change("lab", b["name"], then, now, f"trend {trend}{moved}"))
    return found


def _num(value: float) -> str:
    """As the report shows a lab value: three significant figures, whole numbers from 1000."""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def as_text(changes: Changes) -> list[str]:
    """The changes as lines for a terminal (itbs-geno diff)."""
    head = f"What changed since {changes.since} (panel {changes.old_panel} → {changes.new_panel})"
    if not changes.items:
        return [head, "  nothing: the same calls, results and lab values"]
    return [head] + [f"  {c.subject}: {c.old} → {c.new}" + (f"\n    why: {c.why}" if c.why else "")
                     for c in changes.items]


def as_json(changes: Changes) -> dict[str, Any]:
    return {"since": changes.since, "old_panel": changes.old_panel, "new_panel": changes.new_panel,
            "items": [{"kind": c.kind, "subject": c.subject, "old": c.old, "new": c.new, "why": c.why or None}
                      for c in changes.items]}


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")) if _VERSION.match(version) else ()
