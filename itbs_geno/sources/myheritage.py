"""MyHeritage raw data: quoted CSV `RSID,CHROMOSOME,POSITION,RESULT` after "# MyHeritage" comments.

Some exports quote each field twice ("rs1"",""1""); quotes are dropped before splitting.
The header says the genotype "is reported on the forward (+) strand".
"""

from pathlib import Path

from itbs_geno.sources._table import Layout, Table, read_table, split_quoted_csv
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted, names

NAME = "myheritage"
LABEL = "MyHeritage"
STRAND = "declared"
WORDS = ("myheritage",)

_LAYOUT = Layout("genotype", 4, split=split_quoted_csv)


def sniff(head: list[str]) -> Claim:
    return Claim.NAMED if names(head, WORDS) else Claim.NONE


def layout(head: list[str]) -> Layout:
    return _LAYOUT


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))
