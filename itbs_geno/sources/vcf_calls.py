"""VCF records at a panel site -> one RawCall per sample: GT decoding, REF checks, gVCF
reference blocks, and the MMP3 poly-A repeat read by length."""

from itbs_geno.genotype import from_alleles
from itbs_geno.model import RawCall
from itbs_geno.sources.vcf_sites import SYMBOLIC, Target


def rows_for(target: Target, records: list, sample: str, assume_ref: bool) -> list[RawCall]:
    if target.is_repeat:
        rows = [r for r in (_repeat_row(target, rec, sample) for rec in records) if r]
    else:
        exact = [rec for rec in records if rec.pos == target.pos and len(rec.ref) == 1
                 and all(len(a) == 1 or a in SYMBOLIC for a in rec.alts or ())]
        rows = [_snp_row(target, rec, sample) for rec in exact]
        if not rows:
            rows = [_block_row(target, rec, sample) for rec in records if _is_block(rec)]
    if not rows and assume_ref and target.ref_verified and target.rsid == target.marker.rsid:
        genotype = from_alleles([target.ref, target.ref])
        rows = [RawCall(target.rsid, target.chrom, target.pos, genotype, f"{target.ref}/{target.ref}",
                        notes=("assumed homozygous reference (--assume-ref): the VCF has no record here",))]
    return rows


def _is_block(record) -> bool:
    return not record.alts or all(a in SYMBOLIC for a in record.alts)


def _sample_notes(record, sample: str) -> tuple[str, ...]:
    notes = []
    filters = list(record.filter)
    if filters and filters != ["PASS"]:
        notes.append(f"FILTER {';'.join(filters)} (not PASS)")
    call = record.samples[sample]
    quality = [f"{key} {call[key]}" for key in ("GQ", "DP") if key in call and call[key] is not None]
    if quality:
        notes.append(", ".join(quality))
    if record.alts and len([a for a in record.alts if a not in SYMBOLIC]) > 1:
        notes.append(f"multi-allelic record (REF {record.ref}, ALT {','.join(record.alts)})")
    return tuple(notes)


def _gt_alleles(record, sample: str) -> tuple[tuple[str | None, ...] | None, str]:
    """The sample's alleles as strings (None where missing), and the GT as written."""
    call = record.samples[sample]
    if "GT" not in call:
        return None, "no GT"
    indexes = call["GT"] or ()
    separator = "|" if call.phased else "/"
    text = separator.join("." if i is None else str(i) for i in indexes) or "."
    alleles = tuple(None if i is None else record.alleles[i] for i in indexes)
    return alleles, text


def _row(target: Target, record, sample: str, alleles, text: str, notes=()) -> RawCall:
    known = {target.rsid, *target.marker.aliases} if target.rsid == target.marker.rsid else {target.rsid}
    extra = list(notes) + list(_sample_notes(record, sample))
    if record.id and record.id.startswith("rs") and record.id not in known:
        extra.append(f"the file names this site {record.id}; it was matched by position and REF")
    common = dict(label=record.id if record.id in known else None, notes=tuple(extra))
    if alleles is None:
        return RawCall(target.rsid, target.chrom, target.pos, None, text, "the record has no GT field", **common)
    if all(a is None for a in alleles):
        return RawCall(target.rsid, target.chrom, target.pos, None, text, **common)
    if any(a is None for a in alleles):
        return RawCall(target.rsid, target.chrom, target.pos, None, text,
                       f"GT {text} is half a call (one allele missing)", **common)
    odd = [a for a in alleles if a.startswith("<") or a == "*"]
    if odd:
        return RawCall(target.rsid, target.chrom, target.pos, None, text,
                       f"GT {text} names the allele {odd[0]}, which is not a base", **common)
    return RawCall(target.rsid, target.chrom, target.pos, from_alleles(list(alleles)),
                   f"GT {text}", **common)


def _snp_row(target: Target, record, sample: str) -> RawCall:
    if target.ref and record.ref != target.ref and (target.ref_verified or record.ref not in target.alleles):
        return RawCall(target.rsid, target.chrom, target.pos, None, f"REF {record.ref}",
                       f"the file's REF is {record.ref} but the {target.build} reference here is "
                       f"{target.ref}: a wrong build or a bad liftover")
    if _is_block(record):
        return _block_row(target, record, sample)
    alleles, text = _gt_alleles(record, sample)
    return _row(target, record, sample, alleles, text)


def _block_row(target: Target, record, sample: str) -> RawCall:
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


def _repeat_row(target: Target, record, sample: str) -> RawCall | None:
    """The MMP3 5A/6A poly-A run: alleles become repeat lengths ("5A", "6A"), never base letters."""
    if _is_block(record):
        covers = record.start < target.pos + 1 and record.stop >= target.end
        return _block_row(target, record, sample) if covers else None
    if record.pos != target.pos or all(len(a) == len(record.ref) for a in record.alts):
        return None                          # another variant nearby, not the repeat
    lengths = {a: _run_length(record.ref, a, target.marker.ref) for a in record.alleles}
    bad = [a for a, n in lengths.items() if n is None and not a.startswith("<") and a != "*"]
    if bad:
        return RawCall(target.rsid, target.chrom, target.pos, None, f"ALT {bad[0]}",
                       f"the allele {bad[0]} is not a longer or shorter run of A after {record.ref}")
    alleles, text = _gt_alleles(record, sample)
    named = None if alleles is None else tuple(None if a is None else (lengths.get(a) or a) for a in alleles)
    return _row(target, record, sample, named, text)


def _run_length(ref: str, allele: str, reference_repeat: str) -> str | None:
    """Repeat length of `allele` when it differs from REF only by A's added to or removed from the run."""
    shorter, longer = sorted((ref, allele), key=len)
    if not longer.startswith(shorter) or set(longer[len(shorter):]) - {"A"}:
        return None
    base = int(reference_repeat[:-1])
    return f"{base + len(allele) - len(ref)}A"
