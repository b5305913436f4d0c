"""The whole-block scan for consumer tables: the per-line work in C, for blocks of ordinary rows.

A 23andMe or AncestryDNA file is a million rows of one shape, and the line loop
(_table.count_rows) spends ~0.3 s per million lines in Python to count rows and no-calls and
to find a dozen panel rows. For a block whose every row is plainly ordinary, the same answers
come from whole-block operations that run in C on the bytes as read (no decoding): one
bytes.translate checks every row's shape at once, one search finds an empty field inside a row,
and two compiled patterns do the rest, one at every line end (the rows whose ID could be a panel
site's, the rows that may be no-calls, empty fields at a row's ends) and one at every tab (the
rows whose chromosome and position could be a panel site's). A block with anything unusual in it
(a comment, a space, a comma, a letter no vendor row has, an empty field, a row of another
length, a header row) returns None, and the caller reads it with the exact line loop, so every
count and every message stays the loop's (tests/test_scan.py checks that the two agree on every
fixture and on fuzzed files). About 110 ms for 16 MB on the benchmark machine: five passes over
the block at memory speed, and the two patterns at about one line end or tab per 15 ns.
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
# Everything else (tabs and line ends, and whatever is unusual) is kept by deleting these, so the
# skeleton of an ordinary block is exactly its tabs and line ends.
ORDINARY = b"0123456789rsiACGTDIXYM-"
# Header-row identifiers (the loop's HEADER_IDS) that can be spelt with ORDINARY letters only.
HEADER_LIKE = ("rs", "rsiD", "rsID", "iD", "ID")
_NO_CALLS = frozenset(text.encode() for text in NO_CALL_TEXT)
_NO_CALL_ENDS = frozenset(b"-0")                 # the last characters of the no-calls ORDINARY can spell
_TAB = ord("\t")


class BlockScan:
    """Counts and candidate rows of ordinary blocks, for one layout and one panel."""

    def __init__(self, fields: int, pair: bool, ids: Iterable[str], positions: Iterable[str],
                 chromosomes: Iterable[str]) -> None:
        self.shape = b"\t" * (fields - 1) + b"\n"
        self.pair = pair                     # two allele columns (the last two), else one joined column
        # At every line end, one pattern finds: the next row when its ID could be a panel site's (or a
        # header's), a row that ends in "-" or "0" (it may be a no-call: few are, and each is looked
        # at), and a field left empty at a row's end or start. No other line end matches.
        ids = either({*ids, *HEADER_LIKE})
        self.rows = re.compile(f"\n(?:(?<=[-0\t]\n)(?:{ids}\t)?|{ids}\t|\t)".encode())
        self.positions = re.compile(("\t" + either(chromosomes) + "\t" + either(positions) + "\t").encode())

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

    def scan(self, block: bytes) -> tuple[int, int, list[str]] | None:
        """(rows, no-calls, the lines that may be panel rows) of an ordinary block; None otherwise.

        `block` is whole lines of UTF-8, each ending in "\\n". The candidate lines are a superset of
        the panel rows (every line whose ID or chromosome and position could match); the caller runs
        the line loop on them alone, so which rows are kept is decided exactly as before."""
        skeleton = block.translate(None, ORDINARY)
        rows = len(skeleton) // len(self.shape)
        if skeleton != self.shape * rows:            # a row of another length, or an unusual character
            return None
        if b"\t\t" in block or block[:1] == b"\t":
            return None                              # an empty field: str.split() would see fewer fields
        starts, no_calls = {0}, 0
        for match in self.rows.finditer(block):
            at = match.start()                       # a line end; never the block's first byte (rows >= 8 bytes)
            last = block[at - 1]
            if last == _TAB or block[at + 1:at + 2] == b"\t":
                return None                          # an empty field at the end of a row or the start of the next
            if last in _NO_CALL_ENDS:
                no_calls += self._no_call_row(block, at - 1)
            if match.end() > at + 1:
                starts.add(at + 1)                   # the next row's ID may be a panel site's
        starts.update(block.rfind(b"\n", 0, match.start()) + 1 for match in self.positions.finditer(block))
        # The block is ASCII now: every byte is ORDINARY, a tab or a line end.
        lines = [block[start:block.index(b"\n", start)].decode("ascii") for start in sorted(starts)] if rows else []
        if any(_header_row(line) for line in lines):
            return None
        return rows, no_calls, lines

    def _no_call_row(self, block: bytes, end: int) -> bool:
        """Whether the row whose last field ends at `end` is a no-call."""
        start = block.rfind(b"\t", 0, end) + 1
        return block[start:end + 1] in _NO_CALLS and (
            not self.pair or block[block.rfind(b"\t", 0, start - 1) + 1:start - 1] in _NO_CALLS)


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
