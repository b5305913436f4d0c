"""23andMe raw data: `rsid chromosome position genotype`, tab-separated.

Layouts seen in the wild: v2–v5 exports with a joined genotype ("AG", "--" no-call,
"A" on haploid X/Y/MT, I/D for indels, `i`-prefixed internal IDs), some with two
allele columns instead, and header-less copies of the same rows (openSNP kept many).
"""

import re
from collections.abc import Iterable, Iterator

from itbs_geno.genotype import parse_joined, parse_pair
from itbs_geno.model import RawCall, Tally
from itbs_geno.sites import Sites
from itbs_geno.sources._table import read_rows

NAME = "23andme"
LABEL = "23andMe"

# A header-less file is claimed only when its first row has exactly this shape.
_ROW = re.compile(r"(rs|i)\d+\t(\d{1,2}|X|Y|XY|MT)\t\d+\t([ACGTDI]{1,2}|--)")


def sniff(head: list[str]) -> bool:
    if any(line.startswith("#") and "23andme" in line.lower() for line in head):
        return True
    rows = [line for line in head if line.strip()]
    return bool(rows) and not any(line.startswith("#") for line in rows) and bool(_ROW.fullmatch(rows[0]))


def layout(head: list[str]) -> str:
    """'genotype' (one joined column) or 'allele1/allele2' (two columns)."""
    for line in head:
        if "allele1" in line.lower():
            return "allele1/allele2"
        if line.strip() and not line.startswith("#"):
            return "allele1/allele2" if len(line.split()) == 5 else "genotype"
    return "genotype"


def read(lines: Iterable[str], head: list[str], sites: Sites, tally: Tally) -> Iterator[RawCall]:
    if layout(head) == "allele1/allele2":
        return read_rows(lines, sites, tally, columns=5,
                         genotype=lambda f: parse_pair(f[3], f[4]),
                         is_no_call=lambda f: f[3] in ("-", "--", "0"))
    return read_rows(lines, sites, tally, columns=4,
                     genotype=lambda f: parse_joined(f[3]),
                     is_no_call=lambda f: f[3] == "--")
