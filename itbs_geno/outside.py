"""--outside-calls: genotypes confirmed outside the file (a clinical lab, a second test), as PharmCAT
takes outside calls. A TSV with the columns marker, genotype, source, date; the marker by panel id,
rsID or the marker's name; the genotype on the plus strand ("CT", "C/T") or in the papers' notation
("RX", "5A/6A"). An outside call fills a site the file lacks and wins over the file's own call; when
the file said something else, the disagreement stays on the call. calling.py applies them."""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.genotype import from_alleles
from itbs_geno.model import Call, Genotype, OutsideCall, Status
from itbs_geno.panel_model import Marker, Panel

COLUMNS = ("marker", "genotype", "source", "date")


@dataclasses.dataclass(frozen=True)
class OutsideRow:
    marker_id: str
    genotype: Genotype
    source: str
    date: dt.date
    given: str


def read_outside_calls(path: Path, panel: Panel) -> tuple[OutsideRow, ...]:
    """Every row checked; the first bad row is refused in one line naming the file, row and what to do."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such outside-calls file; check the path given to --outside-calls") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the outside calls ({err}); save them as UTF-8 text") from None
    rows: list[OutsideRow] = []
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.split("\t")]
        if not line.strip() or line.lstrip().startswith("#") or cells[0].lower() == "marker":
            continue
        where = f"{path}: row {number}"
        if len(cells) != len(COLUMNS):
            raise InputError(f"{where}: expected {len(COLUMNS)} tab-separated columns "
                             f"({', '.join(COLUMNS)}), found {len(cells)}")
        rows.append(_row(cells, panel, where))
    seen = [r.marker_id for r in rows]
    twice = next((m for m in seen if seen.count(m) > 1), None)
    if twice:
        raise InputError(f"{path}: two outside calls for {twice}; keep one per marker")
    if not rows:
        raise InputError(f"{path}: no outside calls found; columns: {', '.join(COLUMNS)} (tab-separated)")
    return tuple(rows)


def _row(cells: list[str], panel: Panel, where: str) -> OutsideRow:
    name, text, source, date = cells
    marker = find_marker(panel, name)
    if marker is None:
        known = ", ".join(m.rsid for m in panel.markers)
        raise InputError(f"{where}: unknown marker '{name}'; use a panel id or rsID ({known})")
    if not source:
        raise InputError(f"{where}: the source is empty; name the lab or test that made this call")
    try:
        when = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(f"{where}: date should be YYYY-MM-DD, not '{date}'") from None
    return OutsideRow(marker.id, parse_genotype(marker, text, where), source, when, text)


def find_marker(panel: Panel, name: str) -> Marker | None:
    key = name.strip().lower()
    return next((m for m in panel.markers
                 if key in {m.id.lower(), m.rsid, *m.aliases, m.name.lower()}), None)


def parse_genotype(marker: Marker, text: str, where: str) -> Genotype:
    """Plus-strand letters first; else the literature's names (mapped to the plus strand)."""
    parts = text.replace(" ", "").split("/") if "/" in text else list(text.strip())
    plus = {marker.ref, marker.alt}
    literature = dict(marker.literature_alleles)
    if len(parts) == 2 and set(parts) <= plus:
        return from_alleles(parts)
    if len(parts) == 2 and set(parts) <= set(literature):
        return from_alleles([literature[p] for p in parts])
    names = "/".join(literature)
    raise InputError(f"{where}: genotype '{text}' is not two of {marker.ref}/{marker.alt} (plus strand) "
                     f"or {names} (the papers' notation) for {marker.rsid}")


def apply(calls: Sequence[Call], outside: Sequence[OutsideRow]) -> list[Call]:
    """Each outside call replaces the marker's call; the file's own genotype is kept when it differs."""
    by_marker = {r.marker_id: r for r in outside}
    return [_outside_call(c, by_marker[c.marker_id]) if c.marker_id in by_marker else c for c in calls]


def _outside_call(call: Call, row: OutsideRow) -> Call:
    file_said = str(call.genotype) if call.status is Status.CALLED and call.genotype else None
    differs = file_said is not None and call.genotype != row.genotype
    found = OutsideCall(row.source, row.date, row.given, file_said if differs else None)
    if differs:
        note = (f"the file says {file_said}, the outside call ({row.source}, {row.date.isoformat()}) says "
                f"{row.genotype}: the outside call is used")
    elif file_said:
        note = f"the file's call ({file_said}) agrees with the outside call"
    else:
        note = f"the file has no call here ({call.status}); the genotype is the outside call's"
    return dataclasses.replace(call, status=Status.CALLED, genotype=row.genotype, outside=found,
                               flag=None, low_quality=False, notes=(str(found), note, *call.notes))
