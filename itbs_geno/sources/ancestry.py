"""AncestryDNA raw data: `rsid chromosome position allele1 allele2`, tab-separated.

"0" is a no-call; chromosomes 23, 24, 25 and 26 stand for X, Y, the X/Y
pseudo-autosomal region and mitochondrial DNA. Some re-saved files have runs of
separators, so rows are split on any whitespace.
"""

from collections.abc import Iterable, Iterator

from itbs_geno.genotype import parse_pair
from itbs_geno.model import RawCall, Tally
from itbs_geno.sites import Sites
from itbs_geno.sources._table import read_rows

NAME = "ancestry"
LABEL = "AncestryDNA"

_CHROMOSOMES = {"23": "X", "24": "Y", "25": "PAR", "26": "MT"}
_COLUMNS = ["rsid", "chromosome", "position", "allele1", "allele2"]


def sniff(head: list[str]) -> bool:
    if any(line.startswith("#") and "ancestrydna" in line.lower() for line in head):
        return True
    # No vendor comment: the exact column-name row, which 23andMe never writes unprefixed.
    return not any("23andme" in line.lower() for line in head) and any(
        line.split() == _COLUMNS for line in head)


def layout(head: list[str]) -> str:
    return "allele1/allele2"


def read(lines: Iterable[str], head: list[str], sites: Sites, tally: Tally) -> Iterator[RawCall]:
    return read_rows(lines, sites, tally, columns=5,
                     genotype=lambda f: parse_pair(f[3], f[4]),
                     is_no_call=lambda f: f[3] == "0" and f[4] == "0",
                     chromosome=lambda c: _CHROMOSOMES.get(c, c))
