"""The loop shared by the vendor readers: one whitespace-separated row per SNP."""

from collections.abc import Callable, Iterable, Iterator

from itbs_geno.genotype import BadGenotype
from itbs_geno.model import Genotype, RawCall, Tally
from itbs_geno.sites import Sites

ParseGenotype = Callable[[list[str]], Genotype | None]


def read_rows(lines: Iterable[str], sites: Sites, tally: Tally, *, columns: int,
              genotype: ParseGenotype, is_no_call: Callable[[list[str]], bool],
              chromosome: Callable[[str], str] = str) -> Iterator[RawCall]:
    """Count every row; yield only the rows that concern a panel site.

    A row is `id chromosome position genotype…` (`columns` fields). Comment lines and
    the column-name row are skipped. Rows of the wrong shape are counted as malformed
    and, at a panel site, reported as a problem instead of a genotype.
    """
    for line in lines:
        if not line or line[0] == "#":
            continue
        fields = line.split()
        if not fields or fields[0].lower() in ("rsid", "snp", "name"):
            continue
        tally.variants += 1
        if len(fields) != columns:
            tally.malformed += 1
            if fields[0] in sites.ids:
                yield RawCall(fields[0], "", None, None, line.strip(),
                              f"the line has {len(fields)} fields, expected {columns}")
            continue
        no_call = is_no_call(fields)
        tally.no_calls += no_call
        ident, chrom, pos = fields[0], chromosome(fields[1]), fields[2]
        if ident in sites.ids or sites.has_position(chrom, pos):
            yield _raw_call(fields, ident, chrom, pos, genotype)


def _raw_call(fields: list[str], ident: str, chrom: str, pos: str, genotype: ParseGenotype) -> RawCall:
    text = " ".join(fields[3:])
    position = int(pos) if pos.isdigit() else None
    try:
        return RawCall(ident, chrom, position, genotype(fields), text)
    except BadGenotype as err:
        return RawCall(ident, chrom, position, None, text, str(err))
