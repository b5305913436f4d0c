"""The loop shared by the consumer readers: one row per SNP, in a layout each vendor describes."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from itbs_geno import build as builds
from itbs_geno.errors import InputError
from itbs_geno.genotype import NO_CALL_TEXT, BadGenotype, parse_joined, parse_pair
from itbs_geno.model import Genotype, RawCall, Tally
from itbs_geno.sites import Sites
from itbs_geno.sources._scan import HEADER_IDS, BlockScan
from itbs_geno.sources.opener import Opened, text
from itbs_geno.sources.reader import Read, Wanted, sample_name

# chr1, the longest chromosome, is 248,956,422 bp: a position has at most nine digits, ten with margin.
MAX_POSITION_DIGITS = 10
# Different lines kept for one identifier; a file that lists a site more often is broken there, and
# the rest of its lines for that site are only counted (a file can repeat one row millions of times).
KEPT_PER_SITE = 8


split_whitespace = str.split          # str.split(line) splits on any run of whitespace


def split_quoted_csv(line: str) -> list[str]:
    """MyHeritage and FTDNA quote every field, and some exports quote them twice ("rs1"",""1"")."""
    return line.replace('"', "").split(",")


@dataclass(frozen=True)
class Layout:
    name: str                                    # shown to the user: "genotype" or "allele1/allele2"
    fields: int                                  # fields in a well-formed row
    split: Callable[[str], list[str]] = split_whitespace
    id: int = 0
    chrom: int = 1
    pos: int = 2
    genotype: tuple[int, ...] = (3,)             # one joined column, or two allele columns
    chromosomes: Mapping[str, str] = field(default_factory=dict)   # vendor codes -> names

    def parse(self, fields: list[str]) -> Genotype | None:
        if len(self.genotype) == 1:
            return parse_joined(fields[self.genotype[0]].replace("/", "").replace("|", ""))
        return parse_pair(fields[self.genotype[0]], fields[self.genotype[1]])


ASSUMED_STRAND = ("The file does not say which strand its genotypes are on; the plus strand is assumed. "
                  "Sites with non-complementary alleles are checked against their alleles, but a "
                  "palindromic site (A/T or C/G) cannot be checked.")


@dataclass(frozen=True)
class Table:
    """A consumer format: who writes it, how it is laid out, and on which strand."""
    name: str
    label: str
    strand: str                                  # "declared", "documented" or "assumed"
    layout: Layout


def read_table(path: Path, opened: Opened, wanted: Wanted, table: Table) -> Read:
    """One person's rows at the panel sites, the build they are on, and the file's counts."""
    tally = Tally()
    rows = list(read_rows(opened.head, wanted.sites, tally, table.layout, opened.blocks))
    if tally.variants == 0:
        raise InputError(f"{path}: the file has a {table.label} header but no genotype rows; "
                         f"download the raw data again")
    if tally.malformed == tally.variants:
        # A header names the vendor but no row has its columns: another vendor's rows under a copied
        # header, or an edited file. Reading on would report every site "not tested", silently.
        raise InputError(f"{path}: the file has a {table.label} header, but none of its {tally.variants:,} rows has "
                         f"{table.label}'s {table.layout.fields} columns; download the raw data again")
    build, basis, warnings = builds.decide(builds.from_data(rows, wanted.markers), builds.from_header(opened.head))
    if tally.malformed:
        warnings += (f"{tally.malformed} row(s) did not have the expected columns and were skipped.",)
    if table.strand == "assumed":
        warnings += (ASSUMED_STRAND,)
    sample = sample_name(path)
    return Read(table.name, table.label, (sample,), {sample: rows}, opened.compression, opened.member,
                build, basis, warnings, tally.variants, tally.no_calls, table.layout.name, table.strand)


def read_rows(lines: Iterable[str], sites: Sites, tally: Tally, layout: Layout, blocks: Iterable[bytes] = (),
              scan: bool = True) -> Iterator[RawCall]:
    """Count every row of `lines` and then of `blocks` (whole lines of UTF-8, each ending in "\n"); yield only
    the rows that concern a panel site. Ordinary blocks are scanned whole (sources/_scan.py); any
    other block, and every block when `scan` is False, goes through the line loop."""
    kept = _Kept()
    count_rows(lines, sites, tally, layout, kept)
    scanner = BlockScan.for_layout(layout, sites) if scan else None
    for block in blocks:
        found = scanner.scan(block) if scanner else None
        if found is None:
            count_rows(text(block).split("\n")[:-1], sites, tally, layout, kept)
            continue
        rows, no_calls, candidates = found
        tally.variants += rows
        tally.no_calls += no_calls
        count_rows(candidates, sites, Tally(), layout, kept)     # counted above: only keep the panel rows
    yield from kept.rows()


def count_rows(lines: Iterable[str], sites: Sites, tally: Tally, layout: Layout, kept: "_Kept") -> None:
    """The line loop: count every row; keep only the rows that concern a panel site.

    Comment lines and the column-header row are skipped. Rows of the wrong shape are
    counted as malformed and, at a panel site, reported as a problem instead of a genotype.
    The loop runs once per line of a ~1M-line file, so it does as little as it can: a row
    is only cleaned up and parsed once its ID or position says it is a panel site.
    """
    split, expected = layout.split, layout.fields
    id_at, chrom_at, pos_at = layout.id, layout.chrom, layout.pos
    first, second = layout.genotype[0], layout.genotype[-1]
    ids, positions = sites.ids, sites.position_values
    variants = no_calls = malformed = 0
    try:
        for line in lines:
            if not line or line[0] == "#":
                continue
            fields = split(line)
            if len(fields) != expected:
                if line.strip():
                    variants += 1
                    malformed += 1
                    matched = {f.strip() for f in fields} & ids
                    if matched:
                        kept.add(min(matched), line, partial(_wrong_shape, min(matched), line, len(fields), expected))
                continue
            ident, pos = fields[id_at], fields[pos_at]
            if not (pos.isascii() and pos.isdigit()) and ident.strip().lower() in HEADER_IDS:
                continue                            # the column-header row
            variants += 1
            if fields[first] in NO_CALL_TEXT and fields[second] in NO_CALL_TEXT:
                no_calls += 1
            if ident in ids or (pos in positions and sites.has_position(_chromosome(fields[chrom_at], layout), pos)):
                kept.add(ident, line, partial(_raw_call, fields, ident, layout))
            elif "," in ident and _ids(ident) & ids:
                kept.add(ident, line, partial(_raw_call, fields, min(_ids(ident) & ids), layout))
    finally:
        tally.variants += variants
        tally.no_calls += no_calls
        tally.malformed += malformed


class _Kept:
    """The rows at panel sites: each different line once, with how many times the file has it, and at
    most KEPT_PER_SITE different lines per identifier (the others are counted as one "more rows" row)."""

    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, list]] = {}     # identifier -> line -> [RawCall, copies]
        self._more: dict[str, int] = {}                 # identifier -> lines beyond KEPT_PER_SITE

    def add(self, ident: str, line: str, make: Callable[[], RawCall]) -> None:
        lines = self._by_id.setdefault(ident, {})
        seen = lines.get(line)
        if seen:
            seen[1] += 1
        elif len(lines) < KEPT_PER_SITE:
            lines[line] = [make(), 1]
        else:
            self._more[ident] = self._more.get(ident, 0) + 1

    def rows(self) -> Iterator[RawCall]:
        for ident, lines in self._by_id.items():
            for row, copies in lines.values():
                yield row if copies == 1 else replace(row, copies=copies)
            if ident in self._more:
                row = next(iter(lines.values()))[0]
                yield RawCall(row.id, row.chrom, None, None, "other rows",
                              f"more than {KEPT_PER_SITE} different rows", copies=self._more[ident])


def _chromosome(text: str, layout: Layout) -> str:
    chrom = text.strip().removeprefix("chr")
    return layout.chromosomes.get(chrom, chrom)


def _ids(ident: str) -> set[str]:
    """Some tables list several merged rsIDs in one field: "rs6,rs9"."""
    return {i.strip() for i in ident.split(",")}


def parse_position(text: str) -> int | None:
    """A position written in ASCII digits, or None: the row is then matched by its rsID only.
    (str.isdigit() also accepts "²" and Arabic-Indic digits, which int() refuses or reads.)"""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_POSITION_DIGITS:
        return int(text)
    return None


def _wrong_shape(ident: str, line: str, found: int, expected: int) -> RawCall:
    return RawCall(ident, "", None, None, line.strip(), f"the line has {found} fields, expected {expected}")


def _raw_call(fields: list[str], ident: str, layout: Layout) -> RawCall:
    text = " ".join(fields[g].strip() for g in layout.genotype)
    pos, chrom = parse_position(fields[layout.pos]), _chromosome(fields[layout.chrom], layout)
    ident = ident.strip()
    try:
        return RawCall(ident, chrom, pos, layout.parse(fields), text)
    except BadGenotype as err:
        return RawCall(ident, chrom, pos, None, text, str(err))
