"""FamilyTreeDNA Family Finder raw data, in its two shapes:

- the Illumina export: quoted CSV `RSID,CHROMOSOME,POSITION,RESULT` with no comment
  header (the same columns as MyHeritage, which always adds "# MyHeritage" lines, so its
  stronger claim by name wins);
  older exports are on build 36, newer on build 37, and only the positions tell;
- the older "famfinder" export: `# famfinder` comments, then
  `name,chromosome,position,allele1,allele2`.

FTDNA reports forward-strand (plus) genotypes; the file itself does not say so.
"""

from pathlib import Path

from itbs_geno.sources._table import Layout, Table, read_table, split_quoted_csv
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted, names

NAME = "ftdna"
LABEL = "FamilyTreeDNA"
STRAND = "documented"        # vendor documentation, not the file, states the plus strand

_ILLUMINA = Layout("genotype", 4, split=split_quoted_csv)
_FAMFINDER = Layout("allele1/allele2", 5, split=split_quoted_csv, genotype=(3, 4))
WORDS = ("familytreedna", "famfinder")
_COLUMNS = "RSID,CHROMOSOME,POSITION,RESULT"          # exactly as FTDNA writes it


def sniff(head: list[str]) -> Claim:
    if names(head, WORDS):
        return Claim.NAMED
    rows = [line for line in head if line.strip() and not line.startswith("#")]
    return Claim.SHAPE if rows and rows[0].replace('"', "").strip() == _COLUMNS else Claim.NONE


def layout(head: list[str]) -> Layout:
    return _FAMFINDER if any("allele1" in line.lower() for line in head) else _ILLUMINA


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    return read_table(path, opened, wanted, Table(NAME, LABEL, STRAND, layout(opened.head)))
