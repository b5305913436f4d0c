"""23andMe raw data: `rsid chromosome position genotype`, tab-separated, plus strand.

Layouts seen in the wild: v2–v5 exports with a joined genotype ("AG", "--" no-call,
"A" on haploid X/Y/MT, I/D for indels, `i`-prefixed internal IDs), and some with two
allele columns instead. The header says the calls are "oriented with respect to the
plus strand on the human reference sequence". Copies without the header are read by
the generic reader, which cannot know the vendor.
"""

from pathlib import Path

from itbs_geno.sources._table import Layout, Table, read_table
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted, names

NAME = "23andme"
LABEL = "23andMe"
STRAND = "declared"          # the header states the plus strand
WORDS = ("23andme",)


def sniff(head: list[str]) -> Claim:
    return Claim.NAMED if names(head, WORDS) else Claim.NONE


_JOINED = Layout("genotype", 4)
_ALLELES = Layout("allele1/allele2", 5, genotype=(3, 4))


def layout(head: list[str]) -> Layout:
    """One joined genotype column, or two allele columns (named in the header or seen in a row)."""
    for line in head:
        if "allele1" in line.lower():
            return _ALLELES
        if line.strip() and not line.startswith("#"):
            return _ALLELES if len(line.split()) == 5 else _JOINED
    return _JOINED


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))
