"""Which reference build a file's positions are on: from the data first, then the header."""

import re
from collections.abc import Iterable, Mapping

from itbs_geno.model import RawCall
from itbs_geno.panel_model import Marker

_HEADER_BUILDS = [
    (re.compile(r"(grch38|hg38|build\s*38|b38)", re.IGNORECASE), "GRCh38"),
    (re.compile(r"(grch37|hg19|hs37d5|g1k_v37|b37|build\s*37)", re.IGNORECASE), "GRCh37"),
    (re.compile(r"(ncbi\s*36|hg18|b36|build\s*36)", re.IGNORECASE), "NCBI36"),
]

# Chromosome lengths that tell the builds apart (UCSC chromInfo / NCBI assembly reports).
CONTIG_LENGTHS: dict[str, dict[str, int]] = {
    "GRCh37": {"1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
               "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
               "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
               "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
               "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566},
    "GRCh38": {"1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
               "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
               "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
               "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
               "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415},
    "NCBI36": {"1": 247249719, "2": 242951149, "3": 199501827, "4": 191273063, "5": 180857866,
               "6": 170899992, "7": 158821424, "8": 146274826, "9": 140273252, "10": 135374737,
               "11": 134452384, "12": 132349534, "13": 114142980, "14": 106368585, "15": 100338915,
               "16": 88827254, "17": 78774742, "18": 76117153, "19": 63811651, "20": 62435964,
               "21": 46944323, "22": 49691432, "X": 154913754, "Y": 57772954},
}

Decision = tuple[str, str]          # (build, how it was decided)


def from_header(head: Iterable[str]) -> Decision | None:
    """The build a header names, with the words it used (vendor comments, ##reference, ##assembly)."""
    for line in head:
        if not line.startswith("#"):
            continue
        for pattern, build in _HEADER_BUILDS:
            match = pattern.search(line)
            if match:
                return build, f'the header says "{match.group(0)}"'
    return None


def from_contigs(lengths: Mapping[str, int | None]) -> Decision | None:
    """The build whose chromosome lengths match every ##contig length the VCF header gives."""
    named = {c.removeprefix("chr"): n for c, n in lengths.items() if n}
    known = {c: n for c, n in named.items() if c in CONTIG_LENGTHS["GRCh37"]}
    if not known:
        return None
    matches = [b for b, table in CONTIG_LENGTHS.items() if all(table[c] == n for c, n in known.items())]
    if len(matches) == 1:
        return matches[0], f"{len(known)} ##contig length(s) match {matches[0]}"
    return None


def from_data(calls: Iterable[RawCall], markers: Iterable[Marker]) -> Decision | None:
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


def decide(*evidence: Decision | None, kinds: tuple[str, ...] = ("the data", "the header")
           ) -> tuple[str | None, str, tuple[str, ...]]:
    """(build, how it was decided, warnings). The first available evidence wins; a later one
    that disagrees becomes a warning (the data wins over the header)."""
    found = [(kind, e) for kind, e in zip(kinds, evidence, strict=True) if e]
    if not found:
        return None, "undecided: the header names no build and no panel site was found to check", ()
    (kind, (build, basis)), others = found[0], found[1:]
    agreeing = [f"{b[1]}" for _, b in others if b[0] == build]
    warnings = tuple(f"{k.capitalize()} points to {b[0]} ({b[1]}), but {kind} says {build}; {build} is used."
                     for k, b in others if b[0] != build)
    how = f"from {kind}: {basis}" + "".join(f"; {a}" for a in agreeing)
    if warnings:
        how += f" (disagrees with {' and '.join(k for k, b in others if b[0] != build)})"
    return build, how, warnings
