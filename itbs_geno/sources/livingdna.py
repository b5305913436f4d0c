"""Living DNA raw data: "# Living DNA" comments, then `rsid chromosome position genotype`.

Living DNA reports plus-strand genotypes on GRCh37; the comment header names the vendor.
"""

from itbs_geno.sources._table import Layout

NAME = "livingdna"
LABEL = "LivingDNA"
STRAND = "documented"

_LAYOUT = Layout("genotype", 4)


def sniff(head: list[str]) -> bool:
    return any(line.startswith("#") and ("living dna" in line.lower() or "livingdna" in line.lower())
               for line in head)


def layout(head: list[str]) -> Layout:
    return _LAYOUT
