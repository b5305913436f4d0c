"""Living DNA raw data: "# Living DNA customer genotype data download file" comments, then
`rsid chromosome position genotype`, tab-separated (even when the file is named .csv).

The header says "Genotypes are presented on the forward strand" and names GRCh37. IDs
include rsIDs, Affymetrix-style `AX-…` and `chrom:pos` names, which are matched by position.
"""

from pathlib import Path

from itbs_geno.sources._table import Layout, Table, read_table
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted, names

NAME = "livingdna"
LABEL = "LivingDNA"
STRAND = "declared"
WORDS = ("living dna", "livingdna")

_LAYOUT = Layout("genotype", 4)


def sniff(head: list[str]) -> Claim:
    return Claim.NAMED if names(head, WORDS) else Claim.NONE


def layout(head: list[str]) -> Layout:
    return _LAYOUT


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))
