"""VCF records at a panel site -> one RawCall per sample: GT decoding, REF checks, gVCF
reference blocks, and the MMP3 poly-A repeat read by length."""

from collections.abc import Sequence
from dataclasses import dataclass

from itbs_geno.genotype import from_alleles
from itbs_geno.model import Genotype, RawCall
from itbs_geno.sources.vcf_pysam import Record
from itbs_geno.sources.vcf_sites import SYMBOLIC, Target


def rows_for(target: Target, records: list[Record], samples: tuple[str, ...]) -> dict[str, list[RawCall]]:
    """Each sample's rows at one site, from the records found there. A sample's rows depend on it
    only through its calls in those records (record.samples[sample]), so samples with the same
    calls share one list, made once: a cohort of thousands has a handful of distinct calls at a site."""
    if target.is_repeat:
        indels = [i for i in (_read_indel(target, rec) for rec in records if not _is_block(rec)) if i]
        make = lambda sample: _repeat_rows(target, records, indels, sample)  # noqa: E731
    else:
        make = lambda sample: _site_rows(target, records, sample)  # noqa: E731
    # Keyed on the calls' id(): samples with the same call share one SampleCall (copy_record), and
    # `records` holds every call meanwhile. Equal calls that are not shared are only made twice.
    made: dict[tuple[int, ...], list[RawCall]] = {}
    rows = {}
    for sample in samples:
        calls = tuple([id(rec.samples[sample]) for rec in records])
        found = made.get(calls)
        if found is None:
            found = made[calls] = make(sample)
        rows[sample] = found
    return rows


def _site_rows(target: Target, records: list[Record], sample: str) -> list[RawCall]:
    exact = [rec for rec in records if rec.pos == target.pos and len(rec.ref) == 1
             and all(len(a) == 1 or a in SYMBOLIC for a in rec.alts or ())]
    rows = [_snp_row(target, rec, sample) for rec in exact]
    if not rows:
        rows = [_block_row(target, rec, sample) for rec in records if _is_block(rec)]
    return rows


def _is_block(record: Record) -> bool:
    return not record.alts or all(a in SYMBOLIC for a in record.alts)


def _sample_notes(record: Record, sample: str) -> tuple[str, ...]:
    notes = []
    filters = list(record.filter)
    if filters and filters != ["PASS"]:
        notes.append(f"FILTER {';'.join(filters)} (not PASS)")
    quality = [f"{key} {value}" for key, value in record.samples[sample].quality]
    if quality:
        notes.append(", ".join(quality))
    if record.alts and len([a for a in record.alts if a not in SYMBOLIC]) > 1:
        notes.append(f"multi-allelic record (REF {record.ref}, ALT {','.join(record.alts)})")
    return tuple(notes)


def _gt_alleles(record: Record, sample: str) -> tuple[tuple[str | None, ...] | None, str]:
    """The sample's alleles as strings (None where missing), and the GT as written."""
    call = record.samples[sample]
    if call.gt is None:
        return None, "no GT"
    indexes = call.gt
    separator = "|" if call.phased else "/"
    text = separator.join("." if i is None else str(i) for i in indexes) or "."
    alleles = tuple(None if i is None else record.alleles[i] for i in indexes)
    return alleles, text


def _row(target: Target, record: Record, sample: str, alleles: Sequence[str | None] | None, text: str,
         notes: Sequence[str] = ()) -> RawCall:
    known = {target.rsid, *target.marker.aliases} if target.rsid == target.marker.rsid else {target.rsid}
    extra = list(notes) + list(_sample_notes(record, sample))
    if record.id and record.id.startswith("rs") and record.id not in known:
        extra.append(f"the file names this site {record.id}; it was matched by position and REF")
    label = record.id if record.id in known else None

    def row(shown: str, problem: str | None = None, genotype: Genotype | None = None) -> RawCall:
        return RawCall(target.rsid, target.chrom, target.pos, genotype, shown, problem, label, tuple(extra))

    if alleles is None:
        return row(text, "the record has no GT field")
    bases = [a for a in alleles if a is not None]
    if not bases:
        return row(text)
    if len(bases) < len(alleles):
        return row(text, f"GT {text} is half a call (one allele missing)")
    odd = [a for a in bases if a.startswith("<") or a == "*"]
    if odd:
        return row(text, f"GT {text} names the allele {odd[0]}, which is not a base")
    return row(f"GT {text}", genotype=from_alleles(bases))


def _snp_row(target: Target, record: Record, sample: str) -> RawCall:
    if target.ref and record.ref != target.ref and (target.ref_verified or record.ref not in target.alleles):
        return RawCall(target.rsid, target.chrom, target.pos, None, f"REF {record.ref}",
                       f"the file's REF is {record.ref} but the {target.build} reference here is "
                       f"{target.ref}: a wrong build or a bad liftover")
    if _is_block(record):
        return _block_row(target, record, sample)
    alleles, text = _gt_alleles(record, sample)
    return _row(target, record, sample, alleles, text)


def _block_row(target: Target, record: Record, sample: str) -> RawCall:
    """A gVCF reference block: the sample matches the reference from POS to END."""
    alleles, text = _gt_alleles(record, sample)
    where = f"inside a gVCF reference block ({record.contig}:{record.pos}–{record.stop})"
    if alleles is None or any(a is None for a in alleles):
        return _row(target, record, sample, alleles, text, (where,))
    if set(alleles) != {record.ref}:
        return RawCall(target.rsid, target.chrom, target.pos, None, text,
                       f"{where}, but its GT {text} is not the reference")
    if not target.ref_verified:
        return RawCall(target.rsid, target.chrom, target.pos, None, text,
                       f"{where}, but which allele the reference carries here is not verified")
    return RawCall(target.rsid, target.chrom, target.pos, from_alleles([target.ref] * len(alleles)), text,
                   notes=(f"{where}: homozygous reference",) + _sample_notes(record, sample))




# The MMP3 5A/6A repeat. Callers write the same event in many ways: anchored at the base before
# the run (G>GA), at the run's last A (A>AA, right-aligned, before `bcftools norm`), anywhere
# inside it (AA>A), or with a longer padded REF (GAAAAA>GAAAAAA). Each allele is therefore laid
# over the reference around the run and read by how many A's lie between the base before the run
# and the base after it, which is the same for every spelling.
# What the reference holds there is a panel fact: the run is all A (its length is the reference
# allele, "5A"), and the bases on either side are not A (dbSNP's SPDI for rs35068180 spans the
# whole ambiguous run, so neither neighbour can be an A). Their letters are not in the panel: a
# REF that covers them is only checked not to be A.
_BEFORE, _AFTER = "<", ">"          # the unknown, non-A neighbours of the run, when a REF does not cover them


@dataclass(frozen=True)
class _Indel:
    """One record that changes the poly-A run: each allele's repeat length ("6A"), or None for an
    allele that cannot be read as one; or, when its REF disagrees with the run, why."""
    record: Record
    lengths: dict[str, str | None]
    mismatch: str | None = None

    @property
    def spelling(self) -> str:
        rec = self.record
        return f"{rec.contig}:{rec.pos} {_short(rec.ref)}>{','.join(map(_short, rec.alts or ()))}"


def _repeat_rows(target: Target, records: list[Record], indels: list[_Indel], sample: str) -> list[RawCall]:
    """The gVCF block that covers the run, if any, and one row read from the records that change it."""
    first, last = target.run
    blocks = [rec for rec in records if _is_block(rec) and rec.start < first and rec.stop >= last]
    rows = [_block_row(target, rec, sample) for rec in blocks]
    if indels:
        rows.append(_combined(target, [(i, _indel_row(target, i, sample)) for i in indels]))
    return rows


def _read_indel(target: Target, record: Record) -> _Indel | None:
    """The record's alleles as repeat lengths; None when it does not change the run (a SNV next to it)."""
    first, last = target.run
    ref_end = record.pos + len(record.ref) - 1
    if max(ref_end, record.stop) < target.pos or record.pos > last:    # stop: END of a symbolic <DEL>
        return None
    bases = [a.upper() for a in record.alts or () if not _is_symbolic(a)]
    if bases and all(len(a) == len(record.ref) for a in bases):
        changed = {record.pos + i for a in bases
                   for i, (x, y) in enumerate(zip(record.ref.upper(), a, strict=True)) if x != y}
        if not any(first <= p <= last for p in changed):
            return None                      # a SNV next to the run (at the anchor, say) is not the repeat
    # The reference from the record's first base (or the anchor) to the base after the run: the
    # record's REF, and what the panel knows of the positions it does not cover.
    def known(p: int) -> str:
        if target.pos <= p <= last + 1:
            return "A" if first <= p <= last else _BEFORE if p == target.pos else _AFTER
        return "?"                           # before a symbolic record's anchor: never compared with a base

    ref = record.ref.upper()
    start = min(record.pos, target.pos)
    reference = ("".join(known(p) for p in range(start, record.pos)) + ref
                 + "".join(known(p) for p in range(ref_end + 1, last + 2)))
    covered = range(max(record.pos, target.pos), min(ref_end, last + 1) + 1)    # the run and its neighbours
    if any((ref[p - record.pos] == "A") != (first <= p <= last) for p in covered):
        return _Indel(record, {}, f"the file's REF is {_short(record.ref)} at {record.contig}:{record.pos}, but the "
                                  f"{target.build} reference has a run of {last - first + 1} A from {first} to "
                                  f"{last}, with other bases on either side: a wrong build or a bad liftover")
    before, after = record.pos - start, ref_end + 1 - start          # the record's REF in `reference`
    anchor, run_end = target.pos - start, last - start
    lengths: dict[str, str | None] = {}
    for allele in record.alleles:
        if _is_symbolic(allele):
            lengths[allele] = allele         # not a base: _row flags a GT that names it
        else:
            sequence = reference[:before] + allele.upper() + reference[after:]
            lengths[allele] = _run_length(reference, sequence, anchor, run_end)
    if bases and all(n == target.marker.ref for n in lengths.values() if not _is_symbolic(n)):
        return None                          # every allele leaves the run as it is (a change next to it)
    # (a symbolic ALT, <DEL> say, is kept: a sample whose GT names it is flagged, not "not tested")
    return _Indel(record, lengths)


def _run_length(reference: str, sequence: str, anchor: int, run_end: int) -> str | None:
    """How many A's `sequence` (one allele laid over `reference`) has between the run's two neighbours
    (at `anchor` and `run_end` + 1 in `reference`), when the allele changes only that; the reference
    length when it leaves the run and both neighbours as they are; None otherwise (a change to a
    neighbour, or a base other than A inserted into the run or next to it)."""
    head, tail = reference[:anchor + 1], reference[run_end + 1:]
    if sequence.startswith(head) and sequence.endswith(tail) and len(sequence) >= len(head) + len(tail):
        middle = sequence[len(head):len(sequence) - len(tail)]
        if set(middle) <= {"A"}:
            return f"{len(middle)}A"
    # A change wholly before the anchor or after the base that ends the run leaves the run as it is
    # (in a record padded to reach the run, one allele may change only such a base).
    if sequence.endswith(reference[anchor:]) or sequence.startswith(reference[:run_end + 2]):
        return f"{run_end - anchor}A"
    return None


def _indel_row(target: Target, indel: _Indel, sample: str) -> RawCall:
    record = indel.record
    if indel.mismatch:
        return RawCall(target.rsid, target.chrom, target.pos, None, f"REF {record.ref}", indel.mismatch)
    alleles, text = _gt_alleles(record, sample)
    unread = [a for a in alleles or () if a is not None and indel.lengths[a] is None]
    if unread:
        kind = "a variant" if all(len(a) == len(record.ref) for a in record.alts or ()) else "an indel"
        return RawCall(target.rsid, target.chrom, target.pos, None, f"GT {text}",
                       f"the file holds {kind} in the poly-A run that could not be read ({indel.spelling}): "
                       f"the allele {_short(unread[0])} is not a longer or shorter run of A")
    named = None if alleles is None else tuple(None if a is None else indel.lengths[a] for a in alleles)
    anchored = record.pos == target.pos and len(record.ref) == 1
    notes = () if anchored else (f"read from the indel {indel.spelling}, aligned to the poly-A run",)
    return _row(target, record, sample, named, text, notes)


def _combined(target: Target, read: list[tuple[_Indel, RawCall]]) -> RawCall:
    """One row from the records that change the run: several records that agree, or that each carry
    a different allele (a multi-allelic site split by `bcftools norm -m-`), are read together."""
    rows = [row for _, row in read]
    if len(rows) == 1:
        return rows[0]
    flagged = [row for row in rows if row.problem]
    if flagged:
        return flagged[0]
    genotypes = {row.genotype for row in rows}
    if len(genotypes) == 1:
        return rows[0]                       # the same reading, written more than once
    reference = target.marker.ref
    others = [[a for a in row.genotype.alleles if a != reference] for row in rows if row.genotype]
    expressed = [{n for n in indel.lengths.values() if _is_length(n) and n != reference} for indel, _ in read]
    ploidy = {len(row.genotype.alleles) for row in rows if row.genotype}
    disjoint = sum(map(len, expressed)) == len(set().union(*expressed))
    if None not in genotypes and len(ploidy) == 1 and disjoint and sum(map(len, others)) <= min(ploidy):
        alleles = [a for found in others for a in found]
        alleles += [reference] * (min(ploidy) - len(alleles))
        where = "; ".join(indel.spelling for indel, _ in read)
        notes = dict.fromkeys(note for row in rows for note in row.notes)
        return RawCall(target.rsid, target.chrom, target.pos, from_alleles(alleles),
                       " + ".join(row.text for row in rows), label=rows[0].label,
                       notes=(f"read together from {len(rows)} records in the poly-A run ({where})", *notes))
    texts = ", ".join(f"{indel.spelling}: {row.text}" for indel, row in read)
    return RawCall(target.rsid, target.chrom, target.pos, None, " + ".join(row.text for row in rows),
                   f"the file holds {len(rows)} indels in the poly-A run whose genotypes disagree ({texts}), "
                   f"so the run could not be read")


def _is_symbolic(allele: str | None) -> bool:
    return allele is not None and (allele.startswith("<") or allele == "*")


def _is_length(allele: str | None) -> bool:
    return allele is not None and allele[:-1].isdigit() and allele.endswith("A")


def _short(allele: str) -> str:
    """An allele fit for a one-line message: a deletion's REF may be thousands of bases long."""
    return allele if len(allele) <= 20 else f"{allele[:10]}…({len(allele):,} bases)"
