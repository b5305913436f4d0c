"""VCF and BCF through pysam (htslib): plain text, bgzip (with or without a .tbi/.csi index),
plain gzip, BCF; gVCF reference blocks; any number of samples.

Sites are matched by chromosome and position for the file's build, never by the ID
column (often "."), and the file's REF must be the panel's reference allele there. VCF
REF/ALT are on the reference's forward (plus) strand by definition of the format.
"""

import gzip
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from itbs_geno import build as builds
from itbs_geno.errors import InputError
from itbs_geno.genotype import from_alleles
from itbs_geno.model import RawCall
from itbs_geno.panel import Marker, Panel
from itbs_geno.sources.opener import sniff_compression

NAME = "vcf"
LABEL = "VCF"
STRAND = "declared"            # the VCF specification puts REF/ALT on the forward strand

SYMBOLIC = ("<NON_REF>", "<*>")
_REPEAT_WINDOW = 6             # the anchor base and a 5-base run after it


def sniff(head: list[str]) -> bool:
    first = next((line for line in head if line.strip()), "")
    return first.startswith("##fileformat=VCF") or first.startswith("BCF")


@dataclass(frozen=True, eq=False)          # compared and hashed by identity
class Target:
    """One panel site to look for, on one build."""
    build: str
    marker: Marker
    rsid: str                  # the marker's rsID, or a proxy's
    chrom: str                 # without "chr"
    pos: int                   # 1-based; the anchor base for the repeat
    ref: str
    alleles: frozenset[str]
    ref_verified: bool

    @property
    def end(self) -> int:
        return self.pos + (_REPEAT_WINDOW - 1 if self.marker.kind == "repeat" and self.rsid == self.marker.rsid else 0)


@dataclass
class VcfRead:
    samples: tuple[str, ...]
    compression: str
    format: str                                  # "VCF" or "BCF"
    index: str | None
    build: str | None
    build_basis: str
    warnings: tuple[str, ...]
    records: int | None                          # records read; None when the index was used
    rows: dict[str, list[RawCall]] = field(default_factory=dict)   # sample -> rows


def read(path: Path, panel: Panel, assume_ref: bool = False) -> VcfRead:
    import pysam

    pysam.set_verbosity(0)           # htslib would print warnings on stderr, outside our one-line rule
    compression = _compression(path)
    with _variant_file(path, compression) as vf:
        samples = tuple(vf.header.samples)
        if not samples:
            raise InputError(f"{path}: the VCF has no sample columns (sites only), so there are no genotypes to read")
        index = _index_kind(path) if vf.index is not None else None
        targets = _targets(panel)
        records, seen = _collect(vf, targets, indexed=index is not None)
        # Only the lines that name the reference: command lines often mention other builds.
        header_lines = [line for line in str(vf.header).splitlines()
                        if line.startswith(("##reference", "##assembly", "##contig"))]
        contigs = {name: vf.header.contigs[name].length for name in vf.header.contigs}
        fmt = "BCF" if vf.format == "BCF" else "VCF"
    build, basis, warnings = builds.decide(
        _build_from_data(seen), builds.from_contigs(contigs), builds.from_header(header_lines),
        kinds=("the data", "the ##contig lengths", "the header"))
    rows = {s: [] for s in samples}
    for target in (t for t in targets if t.build == build):
        found = seen.get(target, [])
        for sample in samples:
            rows[sample].extend(_rows_for(target, found, sample, assume_ref))
    return VcfRead(samples, compression, fmt, index, build, basis, warnings, records, rows)


def _compression(path: Path) -> str:
    kind = sniff_compression(path)
    if kind != "gzip":
        return kind
    with open(path, "rb") as fh:
        head = fh.read(18)
    # BGZF is gzip with a "BC" extra field (SAM/BAM spec §4.1); plain gzip cannot be indexed.
    return "bgzf" if len(head) >= 14 and head[3] & 0x04 and head[12:14] == b"BC" else "gzip"


def _index_kind(path: Path) -> str | None:
    return next((kind for kind in ("csi", "tbi") if Path(f"{path}.{kind}").exists()), "index")


@contextmanager
def _variant_file(path: Path, compression: str):
    """pysam.VariantFile on the path; a plain-gzip VCF (which htslib cannot seek) is fed
    through a pipe by a thread that decompresses it, so it is still read in one pass."""
    import pysam

    feeder = _GzipFeeder(path) if compression == "gzip" else None
    source = feeder.start() if feeder else str(path)
    try:
        vf = pysam.VariantFile(source)
    except (OSError, ValueError) as err:
        if feeder:
            feeder.stop()
        raise InputError(f"{path}: not a readable VCF/BCF ({_reason(err)}); check the file is complete") from None
    try:
        yield vf
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: a malformed VCF record ({_reason(err)}); "
                         f"check the header lists every sample and the columns match it") from None
    finally:
        vf.close()
        if feeder:
            feeder.stop()
    if feeder and feeder.error:
        raise InputError(f"{path}: the compressed data is truncated or damaged; download it again")


def _reason(err: Exception) -> str:
    return str(err).strip().rstrip(".") or type(err).__name__


class _GzipFeeder:
    def __init__(self, path: Path):
        self.path, self.error = path, None
        self.read_fd, self.write_fd = os.pipe()

    def start(self) -> str:
        threading.Thread(target=self._run, daemon=True).start()
        return f"/dev/fd/{self.read_fd}"

    def _run(self) -> None:
        try:
            with gzip.open(self.path, "rb") as src, os.fdopen(self.write_fd, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except BrokenPipeError:
            pass                             # the reader stopped early: every panel site was passed
        except (OSError, EOFError, zlib.error) as err:
            self.error = err

    def stop(self) -> None:
        try:
            os.close(self.read_fd)
        except OSError:
            pass


def _targets(panel: Panel) -> list[Target]:
    targets = []
    for marker in panel.markers:
        for build, pos in marker.positions.items():
            targets.append(Target(build, marker, marker.rsid, marker.chromosome, pos, marker.ref,
                                  frozenset({marker.ref, marker.alt}), marker.ref_verified))
            for proxy in marker.proxies:
                alleles = frozenset(proxy.allele_map)
                targets.append(Target(build, marker, proxy.rsid, marker.chromosome, proxy.positions[build],
                                      "", alleles, False))
    return targets


def _collect(vf, targets: list[Target], indexed: bool):
    """Records overlapping each target: fetched through the index, or in one streaming pass
    that stops once every target has been passed."""
    seen: dict[Target, list] = {}
    if indexed:
        contigs = set(vf.header.contigs)
        for t in targets:
            for name in _contig_names(t.chrom, contigs):
                try:
                    seen.setdefault(t, []).extend(vf.fetch(name, t.pos - 1, t.end))
                except ValueError:
                    continue                 # this contig name is not in the index
        return None, seen
    by_chrom: dict[str, list[Target]] = {}
    for t in targets:
        by_chrom.setdefault(t.chrom, []).append(t)
    last = {c: max(t.end for t in ts) for c, ts in by_chrom.items()}
    finished: set[str] = set()
    current, records = None, 0
    for record in vf:
        records += 1
        chrom = _plain_chrom(record.contig)
        if chrom != current:
            if current in by_chrom:
                finished.add(current)        # files are sorted: that chromosome is behind us
            current = chrom
            if finished == set(by_chrom):
                break
        wanted = by_chrom.get(chrom)
        if not wanted:
            continue
        if record.pos > last[chrom]:
            finished.add(chrom)
            if finished == set(by_chrom):
                break
            continue
        for t in wanted:
            if record.start < t.end and record.stop >= t.pos:
                seen.setdefault(t, []).append(record)
    return records, seen


def _contig_names(chrom: str, contigs: set[str]) -> list[str]:
    names = [chrom, f"chr{chrom}"] + (["chrM", "M"] if chrom == "MT" else [])
    present = [n for n in names if n in contigs]
    return present or names


def _plain_chrom(contig: str) -> str:
    chrom = contig.removeprefix("chr")
    return "MT" if chrom == "M" else chrom


def _build_from_data(seen: dict[Target, list]) -> builds.Decision | None:
    """The build at whose panel positions the file has records with the panel's REF."""
    agree: dict[str, int] = {}
    for target, records in seen.items():
        if target.rsid != target.marker.rsid or target.marker.kind != "snp" or not target.ref_verified:
            continue
        if any(r.pos == target.pos and r.ref == target.ref for r in records):
            agree[target.build] = agree.get(target.build, 0) + 1
    if len(agree) == 1:
        build, n = next(iter(agree.items()))
        return build, f"{n} panel site(s) have records with the panel's reference allele at their {build} positions"
    return None


def _rows_for(target: Target, records: list, sample: str, assume_ref: bool) -> list[RawCall]:
    if target.marker.kind == "repeat" and target.rsid == target.marker.rsid:
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
