"""The whole-block scan for consumer tables: the per-line work in C, for blocks of ordinary rows.

A 23andMe or AncestryDNA file is a million rows of one shape, and the line loop
(_table.count_rows) spends ~0.3 s per million lines in Python to count rows and no-calls and
to find a dozen panel rows. For a block whose every row is plainly ordinary, the same answers
come from whole-block operations that run in C: bytes.translate checks every row's shape at
once, compiled patterns find the candidate panel rows, str.find counts the no-calls. A block
with anything unusual in it (a comment, a space, a comma, a letter no vendor row has, an empty
field, a row of another length, a header row) returns None, and the caller reads it with the
exact line loop, so every count and every message stays the loop's (tests/test_scan.py checks
that the two agree on every fixture and on fuzzed files).
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from itbs_geno.genotype import NO_CALL_TEXT
from itbs_geno.sites import Sites

if TYPE_CHECKING:
    from itbs_geno.sources._table import Layout

# Names a column-header row gives the identifier column; such a row is never a SNP.
HEADER_IDS = frozenset({"rsid", "rs", "snp", "snpid", "snp_id", "name", "id", "marker", "markername", "snp.name"})

# What ordinary vendor rows are made of: rsIDs and 23andMe's i-numbers, chromosome numbers and
# X/Y/MT, positions, bases, I/D indel calls, and the "--" / "0" no-calls.
ORDINARY = b"0123456789rsiACGTDIXYM-"
# Everything else (tabs and line ends, and whatever is unusual) is kept by this deletion, so the
# skeleton of an ordinary block is exactly its tabs and line ends.
_SKELETON_DELETE = ORDINARY
_LINE_END_AS_TAB = bytes.maketrans(b"\n", b"\t")
# Header-row identifiers (the loop's HEADER_IDS) that can be spelt with ORDINARY letters only.
HEADER_LIKE = ("rs", "rsiD", "rsID", "iD", "ID")
# The no-call spellings that ORDINARY characters can make, by their last character.
_NO_CALL_ENDS = ("-\n", "0\n")


class BlockScan:
    """Counts and candidate rows of ordinary blocks, for one layout and one panel."""

    def __init__(self, fields: int, pair: bool, ids: Iterable[str], positions: Iterable[str],
                 chromosomes: Iterable[str]) -> None:
        self.shape = b"\t" * (fields - 1) + b"\n"
        self.pair = pair                     # two allele columns (the last two), else one joined column
        self.ids = re.compile("\n" + either({*ids, *HEADER_LIKE}) + "\t")
        self.positions = re.compile("\t" + either(chromosomes) + "\t" + either(positions) + "\t")

    @classmethod
    def for_layout(cls, layout: "Layout", sites: Sites) -> "BlockScan | None":
        """A scanner for the usual column order (ID, chromosome, position, genotype columns last,
        whitespace-separated), or None: other layouts go through the line loop."""
        last = layout.fields - 1
        if (layout.split is not str.split or (layout.id, layout.chrom, layout.pos) != (0, 1, 2)
                or layout.genotype not in ((last,), (last - 1, last)) or layout.fields < 4):
            return None
        if "\t" in sites.ids:                # EVERY_SITE claims every ID: nothing to search for
            return None
        chromosomes = set()
        for chrom, _ in sites.positions:
            names = {chrom} | {code for code, name in layout.chromosomes.items() if name == chrom}
            chromosomes |= names | {"chr" + name for name in names}
        return cls(layout.fields, len(layout.genotype) == 2, sites.ids, sites.position_values, chromosomes)

    def scan(self, block: str) -> tuple[int, int, list[str]] | None:
        """(rows, no-calls, the lines that may be panel rows) of an ordinary block; None otherwise.

        `block` is whole lines, each ending in "\\n". The candidate lines are a superset of the
        panel rows (every line whose ID or chromosome and position could match); the caller runs
        the line loop on them alone, so which rows are kept is decided exactly as before."""
        if not block.isascii():
            return None
        data = block.encode("ascii")
        skeleton = data.translate(None, _SKELETON_DELETE)
        rows = len(skeleton) // len(self.shape)
        if skeleton != self.shape * rows:            # a row of another length, or an unusual character
            return None
        if b"\t\t" in data.translate(_LINE_END_AS_TAB) or data[:1] == b"\t":
            return None                              # an empty field: str.split() would see fewer fields
        starts = {0}
        starts.update(match.start() + 1 for match in self.ids.finditer(block))
        starts.update(block.rfind("\n", 0, match.start()) + 1 for match in self.positions.finditer(block))
        lines = [block[start:block.index("\n", start)] for start in sorted(starts)] if rows else []
        if any(_header_row(line) for line in lines):
            return None
        return rows, self._no_calls(block), lines

    def _no_calls(self, block: str) -> int:
        """Rows whose genotype column(s) are all no-call text; only the rows ending in "-" or "0"
        can be, and few do, so each is looked at on its own."""
        count = 0
        for end in _NO_CALL_ENDS:
            at = block.find(end)
            while at >= 0:
                start = block.rfind("\t", 0, at) + 1
                if block[start:at + 1] in NO_CALL_TEXT and (
                        not self.pair or block[block.rfind("\t", 0, start - 1) + 1:start - 1] in NO_CALL_TEXT):
                    count += 1
                at = block.find(end, at + 2)
        return count


def either(words: Iterable[str]) -> str:
    """A pattern for exactly one of `words`, factored by common prefixes ("rs1(?:2722|800012)"), so
    the pattern engine decides one character at a time instead of trying each word in turn (twice
    as fast on a million lines)."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        groups.setdefault(word[:1], []).append(word[1:])
    parts = [re.escape(first) + either(rest) for first, rest in groups.items() if first]
    if "" in groups:
        parts.append("")                     # a word ends here
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _header_row(line: str) -> bool:
    """The loop's test for the column-header row, on a line of an ordinary block."""
    fields = line.split("\t")
    return not fields[2].isdigit() and fields[0].lower() in HEADER_IDS
