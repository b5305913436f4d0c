"""Living DNA raw data: "# Living DNA customer genotype data download file" comments, then
`rsid chromosome position genotype`, tab-separated (even when the file is named .csv).

The header says "Genotypes are presented on the forward strand" and names GRCh37. IDs
include rsIDs, Affymetrix-style `AX-…` and `chrom:pos` names, which are matched by position.
"""

from itbs_geno.sources._table import Layout

NAME = "livingdna"
LABEL = "LivingDNA"
STRAND = "declared"

_LAYOUT = Layout("genotype", 4)


def sniff(head: list[str]) -> bool:
    return any(line.startswith("#") and ("living dna" in line.lower() or "livingdna" in line.lower())
               for line in head)


def layout(head: list[str]) -> Layout:
    return _LAYOUT
