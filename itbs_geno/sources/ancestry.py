"""AncestryDNA raw data: `rsid chromosome position allele1 allele2`, tab-separated.

"0" is a no-call; chromosomes 23, 24, 25 and 26 stand for X, Y, the X/Y
pseudo-autosomal region and mitochondrial DNA. The header says the genotype "is
reported on the forward (+) strand". Some re-saved files have runs of separators, so
rows are split on any whitespace.
"""

from itbs_geno.sources._table import Layout

NAME = "ancestry"
LABEL = "AncestryDNA"
STRAND = "declared"

_LAYOUT = Layout("allele1/allele2", 5, genotype=(3, 4),
                 chromosomes={"23": "X", "24": "Y", "25": "PAR", "26": "MT"})


def sniff(head: list[str]) -> bool:
    return any(line.startswith("#") and "ancestrydna" in line.lower() for line in head)


def layout(head: list[str]) -> Layout:
    return _LAYOUT
