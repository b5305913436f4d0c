"""FamilyTreeDNA Family Finder raw data, in its two shapes:

- the Illumina export: quoted CSV `RSID,CHROMOSOME,POSITION,RESULT` with no comment
  header (the same columns as MyHeritage, which always adds "# MyHeritage" lines);
  older exports are on build 36, newer on build 37, and only the positions tell;
- the older "famfinder" export: `# famfinder` comments, then
  `name,chromosome,position,allele1,allele2`.

FTDNA reports forward-strand (plus) genotypes; the file itself does not say so.
"""

from itbs_geno.sources._table import Layout, split_quoted_csv

NAME = "ftdna"
LABEL = "FamilyTreeDNA"
STRAND = "documented"        # vendor documentation, not the file, states the plus strand

_ILLUMINA = Layout("genotype", 4, split=split_quoted_csv)
_FAMFINDER = Layout("allele1/allele2", 5, split=split_quoted_csv, genotype=(3, 4))
COLUMNS = "RSID,CHROMOSOME,POSITION,RESULT"          # exactly as FTDNA writes it


def sniff(head: list[str]) -> bool:
    comments = [line.lower() for line in head if line.startswith("#")]
    if any("familytreedna" in c or "famfinder" in c for c in comments):
        return True
    rows = [line for line in head if line.strip() and not line.startswith("#")]
    return (not any("myheritage" in c for c in comments) and bool(rows)
            and rows[0].replace('"', "").strip() == COLUMNS)


def layout(head: list[str]) -> Layout:
    return _FAMFINDER if any("allele1" in line.lower() for line in head) else _ILLUMINA
