"""MyHeritage raw data: quoted CSV `RSID,CHROMOSOME,POSITION,RESULT` after "# MyHeritage" comments.

Some exports quote each field twice ("rs1"",""1""); quotes are dropped before splitting.
The header says the genotype "is reported on the forward (+) strand".
"""

from itbs_geno.sources._table import Layout, split_quoted_csv

NAME = "myheritage"
LABEL = "MyHeritage"
STRAND = "declared"

_LAYOUT = Layout("genotype", 4, split=split_quoted_csv)


def sniff(head: list[str]) -> bool:
    return any(line.startswith("#") and "myheritage" in line.lower() for line in head)


def layout(head: list[str]) -> Layout:
    return _LAYOUT
