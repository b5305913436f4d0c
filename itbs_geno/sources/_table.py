"""The loop shared by the consumer readers: one row per SNP, in a layout each vendor describes."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from itbs_geno.genotype import NO_CALL_TEXT, BadGenotype, parse_joined, parse_pair
from itbs_geno.model import Genotype, RawCall, Tally
from itbs_geno.sites import Sites

# Names a column-header row gives the identifier column; such a row is never a SNP.
HEADER_IDS = frozenset({"rsid", "rs", "snp", "snpid", "snp_id", "name", "id", "marker", "markername", "snp.name"})


def split_whitespace(line: str) -> list[str]:
    return line.split()


def split_quoted_csv(line: str) -> list[str]:
    """MyHeritage and FTDNA quote every field, and some exports quote them twice ("rs1"",""1"")."""
    return line.replace('"', "").split(",")


@dataclass(frozen=True)
class Layout:
    name: str                                    # shown to the user: "genotype" or "allele1/allele2"
    fields: int                                  # fields in a well-formed row
    split: Callable[[str], list[str]] = split_whitespace
    id: int = 0
    chrom: int = 1
    pos: int = 2
    genotype: tuple[int, ...] = (3,)             # one joined column, or two allele columns
    chromosomes: Mapping[str, str] = field(default_factory=dict)   # vendor codes -> names

    def parse(self, fields: list[str]) -> Genotype | None:
        if len(self.genotype) == 1:
            return parse_joined(fields[self.genotype[0]].replace("/", "").replace("|", ""))
        return parse_pair(fields[self.genotype[0]], fields[self.genotype[1]])


def read_rows(lines: Iterable[str], sites: Sites, tally: Tally, layout: Layout) -> Iterator[RawCall]:
    """Count every row; yield only the rows that concern a panel site.

    Comment lines and the column-header row are skipped. Rows of the wrong shape are
    counted as malformed and, at a panel site, reported as a problem instead of a genotype.
    """
    split, expected, genotype_columns = layout.split, layout.fields, layout.genotype
    for line in lines:
        if not line or line[0] == "#":
            continue
        fields = split(line)
        if len(fields) != expected:
            if not line.strip():
                continue
            tally.variants += 1
            tally.malformed += 1
            matched = {f.strip() for f in fields} & sites.ids
            if matched:
                yield RawCall(min(matched), "", None, None, line.strip(),
                              f"the line has {len(fields)} fields, expected {expected}")
            continue
        if fields[layout.id].strip().lower() in HEADER_IDS:
            continue
        tally.variants += 1
        tally.no_calls += all(fields[g].strip() in NO_CALL_TEXT for g in genotype_columns)
        ident, pos = fields[layout.id].strip(), fields[layout.pos].strip()
        chrom = fields[layout.chrom].strip().removeprefix("chr")
        chrom = layout.chromosomes.get(chrom, chrom)
        if ident in sites.ids or sites.has_position(chrom, pos):
            yield _raw_call(fields, ident, chrom, pos, layout)
        elif "," in ident and _ids(ident) & sites.ids:
            yield _raw_call(fields, min(_ids(ident) & sites.ids), chrom, pos, layout)


def _ids(ident: str) -> set[str]:
    """Some tables list several merged rsIDs in one field: "rs6,rs9"."""
    return {i.strip() for i in ident.split(",")}


def _raw_call(fields: list[str], ident: str, chrom: str, pos: str, layout: Layout) -> RawCall:
    text = " ".join(fields[g].strip() for g in layout.genotype)
    position = int(pos) if pos.isdigit() else None
    try:
        return RawCall(ident, chrom, position, layout.parse(fields), text)
    except BadGenotype as err:
        return RawCall(ident, chrom, position, None, text, str(err))
