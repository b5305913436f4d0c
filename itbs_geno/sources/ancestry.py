"""AncestryDNA raw data: `rsid chromosome position allele1 allele2`, tab-separated.

"0" is a no-call; chromosomes 23, 24, 25 and 26 stand for X, Y, the X/Y
pseudo-autosomal region and mitochondrial DNA. The header says the genotype "is
reported on the forward (+) strand". Some re-saved files have runs of separators, so
rows are split on any whitespace.
"""

from pathlib import Path

from itbs_geno.sources._table import Layout, Table, read_table
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted, names

NAME = "ancestry"
LABEL = "AncestryDNA"
STRAND = "declared"
WORDS = ("ancestrydna",)

_LAYOUT = Layout("allele1/allele2", 5, genotype=(3, 4),
                 chromosomes={"23": "X", "24": "Y", "25": "PAR", "26": "MT"})


def sniff(head: list[str]) -> Claim:
    return Claim.NAMED if names(head, WORDS) else Claim.NONE


def layout(head: list[str]) -> Layout:
    return _LAYOUT


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))
