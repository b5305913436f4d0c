"""The loop shared by the consumer readers: one row per SNP, in a layout each vendor describes."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from itbs_geno.genotype import NO_CALL_TEXT, BadGenotype, parse_joined, parse_pair
from itbs_geno.model import Genotype, RawCall, Tally
from itbs_geno.sites import Sites

# Names a column-header row gives the identifier column; such a row is never a SNP.
HEADER_IDS = frozenset({"rsid", "rs", "snp", "snpid", "snp_id", "name", "id", "marker", "markername", "snp.name"})


split_whitespace = str.split          # str.split(line) splits on any run of whitespace


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
    The loop runs once per line of a ~1M-line file, so it does as little as it can: a row
    is only cleaned up and parsed once its ID or position says it is a panel site.
    """
    split, expected = layout.split, layout.fields
    id_at, chrom_at, pos_at = layout.id, layout.chrom, layout.pos
    first, second = layout.genotype[0], layout.genotype[-1]
    ids, positions = sites.ids, sites.position_values
    variants = no_calls = malformed = 0
    try:
        for line in lines:
            if not line or line[0] == "#":
                continue
            fields = split(line)
            if len(fields) != expected:
                if line.strip():
                    variants += 1
                    malformed += 1
                    matched = {f.strip() for f in fields} & ids
                    if matched:
                        yield RawCall(min(matched), "", None, None, line.strip(),
                                      f"the line has {len(fields)} fields, expected {expected}")
                continue
            ident, pos = fields[id_at], fields[pos_at]
            if not pos.isdigit() and ident.strip().lower() in HEADER_IDS:
                continue                            # the column-header row
            variants += 1
            if fields[first] in NO_CALL_TEXT and fields[second] in NO_CALL_TEXT:
                no_calls += 1
            if ident in ids or (pos in positions and sites.has_position(_chromosome(fields[chrom_at], layout), pos)):
                yield _raw_call(fields, ident, layout)
            elif "," in ident and _ids(ident) & ids:
                yield _raw_call(fields, min(_ids(ident) & ids), layout)
    finally:
        tally.variants += variants
        tally.no_calls += no_calls
        tally.malformed += malformed


def _chromosome(text: str, layout: Layout) -> str:
    chrom = text.strip().removeprefix("chr")
    return layout.chromosomes.get(chrom, chrom)


def _ids(ident: str) -> set[str]:
    """Some tables list several merged rsIDs in one field: "rs6,rs9"."""
    return {i.strip() for i in ident.split(",")}


def _raw_call(fields: list[str], ident: str, layout: Layout) -> RawCall:
    text = " ".join(fields[g].strip() for g in layout.genotype)
    pos, chrom = fields[layout.pos].strip(), _chromosome(fields[layout.chrom], layout)
    ident = ident.strip()
    position = int(pos) if pos.isdigit() else None
    try:
        return RawCall(ident, chrom, position, layout.parse(fields), text)
    except BadGenotype as err:
        return RawCall(ident, chrom, position, None, text, str(err))
