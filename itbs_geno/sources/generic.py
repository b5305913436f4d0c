"""A generic table: `rsid, chromosome, position, genotype` (or two allele columns), separated
by tabs, commas or spaces, with or without a column-header row, from no known vendor.

Columns are found by their names when there is a header, and taken in the usual order
when there is not. A table with a "strand" column is refused: its genotypes may be on
either strand. The file does not say which strand it uses, so the plus strand is
assumed and the report says so. Its claim is the weakest: a vendor's reader that claims
the same file (by name or by a column shape of its own) reads it instead.
"""

import re
from collections.abc import Callable
from pathlib import Path

from itbs_geno.sources._table import (
    HEADER_IDS,
    Layout,
    Table,
    read_table,
    split_quoted_csv,
    split_whitespace,
)
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted

NAME = "generic"
LABEL = "generic table"
STRAND = "assumed"
WORDS: tuple[str, ...] = ()
_CHROM = {"chromosome", "chrom", "chr"}
_POS = {"position", "pos", "bp", "basepair", "base_pair_position", "coordinate"}
_GENOTYPE = {"genotype", "result", "gt", "call", "genotypes"}
_ALLELE1 = {"allele1", "allele_1", "a1"}
_ALLELE2 = {"allele2", "allele_2", "a2"}
_GENOTYPE_TEXT = re.compile(r"[ACGTDI]{1,2}|--|-|[ACGTDI][/|][ACGTDI]", re.IGNORECASE)


def sniff(head: list[str]) -> Claim:
    return Claim.NONE if _find_layout(head) is None else Claim.TABLE


def layout(head: list[str]) -> Layout:
    found = _find_layout(head)
    if found is None:                       # detect() only hands us files sniff() accepted
        raise ValueError("not a generic genotype table")
    return found


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))


def _find_layout(head: list[str]) -> Layout | None:
    header, first_row = _header_and_first_row(head)
    if first_row is None:
        return None
    split = split_quoted_csv if "," in (header or first_row) and "\t" not in (header or first_row) else split_whitespace
    names = [n.strip().lower() for n in split(header)] if header else None
    fields = split(first_row)
    found = _from_names(names, split) if names else _from_order(len(fields), split)
    if found is None or len(fields) != found.fields or not fields[found.pos].strip().isdigit():
        return None
    if not all(_GENOTYPE_TEXT.fullmatch(fields[g].strip()) for g in found.genotype):
        return None
    return found


def _header_and_first_row(head: list[str]) -> tuple[str | None, str | None]:
    """The column-header line (commented or not) and the first data row."""
    header = None
    for line in head:
        text = line.lstrip("#").strip() if line.startswith("#") else line.strip()
        if not text:
            continue
        names = set(text.replace('"', "").replace(",", " ").lower().split())
        if names & HEADER_IDS and names & (_CHROM | _POS):
            header = text
        elif not line.startswith("#"):
            return header, text
    return header, None


def _from_names(names: list[str], split: Callable[[str], list[str]]) -> Layout | None:
    if any("strand" in n for n in names):
        return None
    def index(options: set[str]) -> int | None:
        return next((i for i, n in enumerate(names) if n in options), None)
    ident = next((i for i, n in enumerate(names) if n in HEADER_IDS), None)
    chrom, pos = index(_CHROM), index(_POS)
    if ident is None or chrom is None or pos is None:
        return None
    genotype, a1, a2 = index(_GENOTYPE), index(_ALLELE1), index(_ALLELE2)
    if genotype is None and a1 is None and len(names) == 4:
        genotype = ({0, 1, 2, 3} - {ident, chrom, pos}).pop()     # an oddly named genotype column
    if genotype is not None:
        return Layout("genotype", len(names), split, ident, chrom, pos, (genotype,))
    if a1 is not None and a2 is not None:
        return Layout("allele1/allele2", len(names), split, ident, chrom, pos, (a1, a2))
    return None


def _from_order(count: int, split: Callable[[str], list[str]]) -> Layout | None:
    if count == 4:
        return Layout("genotype", 4, split)
    if count == 5:
        return Layout("allele1/allele2", 5, split, genotype=(3, 4))
    return None
