"""Which reference build a file's positions are on: from the data first, then the header."""

import re
from collections.abc import Iterable

from itbs_geno.model import RawCall
from itbs_geno.panel import Marker

_HEADER_BUILDS = [
    (re.compile(r"\b(grch38|hg38|build\s*38)", re.I), "GRCh38"),
    (re.compile(r"\b(grch37|hg19|b37|build\s*37)", re.I), "GRCh37"),
    (re.compile(r"\b(ncbi\s*36|hg18|b36|build\s*36)", re.I), "NCBI36"),
]


def from_header(head: Iterable[str]) -> tuple[str, str] | None:
    """The build a vendor's comment header names, with the words it used."""
    for line in head:
        if not line.startswith("#"):
            continue
        for pattern, build in _HEADER_BUILDS:
            match = pattern.search(line)
            if match:
                return build, f'the file header says "{match.group(0)}"'
    return None


def from_data(calls: Iterable[RawCall], markers: Iterable[Marker]) -> tuple[str, str] | None:
    """The build whose panel positions the file's own rows agree with (matched by rsID)."""
    by_id = {i: m for m in markers for i in m.ids}
    agree: dict[str, int] = {}
    checked = 0
    for call in calls:
        marker = by_id.get(call.id)
        if marker is None or call.pos is None:
            continue
        checked += 1
        for build, pos in marker.positions.items():
            if pos == call.pos:
                agree[build] = agree.get(build, 0) + 1
    winners = [b for b, n in agree.items() if n == checked]
    if checked and len(winners) == 1:
        return winners[0], f"{checked} panel site(s) sit at their {winners[0]} positions"
    return None


def decide(header: tuple[str, str] | None, data: tuple[str, str] | None) -> tuple[str | None, str, tuple[str, ...]]:
    """(build, how it was decided, warnings). The data wins over the header when they disagree."""
    if data and header and data[0] != header[0]:
        warning = (f"The header says {header[0]} but the panel sites sit at {data[0]} positions; "
                   f"{data[0]} is used.")
        return data[0], f"from the data: {data[1]} (the header disagrees)", (warning,)
    if data:
        also = f"; {header[1]}" if header else ""
        return data[0], f"from the data: {data[1]}{also}", ()
    if header:
        return header[0], f"from the header: {header[1]}", ()
    return None, "undecided: no build in the header and no panel site to check positions against", ()
