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
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from itbs_geno import build as builds
from itbs_geno.errors import InputError
from itbs_geno.model import RawCall
from itbs_geno.panel import Panel
from itbs_geno.sources import vcf_bcf, vcf_calls, vcf_index, vcf_scan, vcf_sites
from itbs_geno.sources.opener import GZIP_MAGIC
from itbs_geno.sources.vcf_sites import Target

NAME = "vcf"
LABEL = "VCF"
STRAND = "declared"            # the VCF specification puts REF/ALT on the forward strand



def sniff(head: list[str]) -> bool:
    first = next((line for line in head if line.strip()), "")
    return first.startswith("##fileformat=VCF") or first.startswith("BCF")


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
    targets = vcf_sites.targets(panel)
    bcf = _is_bcf(path, compression)
    index, ignored = (vcf_index.kind(path) if compression == "bgzf" else None), ()   # only BGZF is indexed
    if index:
        parsed, mismatch = vcf_index.usable(path, index)
        if mismatch:
            # htslib would trust it and silently miss records, or fail mid-block: read the whole file instead.
            index, ignored = None, (f"{mismatch[:-1]} ({_rebuild(path, bcf)}).",)
    scanned, feed = None, None
    if not bcf and not index:
        # An unindexed text VCF: a fast text pass keeps the few records near the sites.
        scanned = vcf_scan.prefilter(path, compression, targets)
        feed = [scanned[0]]
    elif not bcf:
        _check_what_htslib_reads(path, compression, parsed, targets)
    elif not index:
        feed = vcf_bcf.stream(path, compression)      # each record's length checked before htslib reads it
    with _variant_file(path, feed, index and f"{path.name}.{index}", bcf) as vf:
        samples = tuple(vf.header.samples)
        if not samples:
            raise InputError(f"{path}: the VCF has no sample columns (sites only), so there are no genotypes to read")
        vcf_scan.check_samples(path, len(samples))       # a BCF's header is only read by pysam
        if bcf and index:
            _check_what_htslib_reads_in_bcf(path, parsed, targets, list(vf.header.contigs))
        index = index if feed is None and vf.index is not None else None
        records, seen = _collect(vf, targets, indexed=index is not None)
        if scanned:
            records = scanned[1]
        # Only the lines that name the reference: command lines often mention other builds.
        header_lines = [line for line in str(vf.header).splitlines()
                        if line.startswith(("##reference", "##assembly", "##contig"))]
        contigs = {name: vf.header.contigs[name].length for name in vf.header.contigs}
        fmt = "BCF" if vf.format == "BCF" else "VCF"
        build, basis, warnings = builds.decide(
            _build_from_data(seen), builds.from_contigs(contigs), builds.from_header(header_lines),
            kinds=("the data", "the ##contig lengths", "the header"))
        warnings = ignored + warnings
        # Records are read while the file is open, so any decoding error is reported as bad input.
        rows = {s: [] for s in samples}
        for target in (t for t in targets if t.build == build):
            for sample, found in vcf_calls.rows_for(target, seen.get(target, []), samples, assume_ref).items():
                rows[sample].extend(found)
    return VcfRead(samples, compression, fmt, index, build, basis, warnings, records, rows)


def _compression(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(18)
    if not head.startswith(GZIP_MAGIC):
        return "none"
    # BGZF is gzip with a "BC" extra field (SAM/BAM spec §4.1); plain gzip cannot be indexed.
    return "bgzf" if len(head) >= 14 and head[3] & 0x04 and head[12:14] == b"BC" else "gzip"


def _check_what_htslib_reads(path: Path, compression: str, index: vcf_index.Index, targets: list[Target]) -> None:
    """htslib reads a line whole however long it is: read the header and each region it will
    fetch with our limits first (a few KB per site)."""
    vcf_scan.check_header(path, compression)
    regions = set()
    for t in targets:
        for name in _contig_names(t.chrom, set(index.names)):
            start = index.start(name, t.pos)
            if start is not None:
                regions.add((start, name.encode(), t.end))
    for region in sorted(regions):
        vcf_scan.check_region(path, *region)


def _check_what_htslib_reads_in_bcf(path: Path, index: vcf_index.Index, targets: list[Target],
                                    contigs: list[str]) -> None:
    """The same for an indexed BCF, whose index numbers the contigs in the header's order."""
    regions = set()
    for t in targets:
        for name in _contig_names(t.chrom, set(contigs)):
            start = index.start(name, t.pos, contigs)
            if start is not None:
                regions.add((start, contigs.index(name), t.end))
    for region in sorted(regions):
        vcf_bcf.check_region(path, *region)


def _rebuild(path: Path, bcf: bool) -> str:
    return f"bcftools index {path}" if bcf else f"tabix -p vcf {path}"


def _is_bcf(path: Path, compression: str) -> bool:
    opener = gzip.open if compression in ("gzip", "bgzf") else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(3) == b"BCF"
    except (OSError, EOFError, zlib.error):
        return False                         # pysam will report the damage


@contextmanager
def _variant_file(path: Path, feed: Iterable[bytes] | None, index: str | None, bcf: bool):
    """pysam.VariantFile on the path, or on the bytes of `feed` (prefiltered or checked records, fed
    through a pipe by a thread, so nothing is written to disk). `index`: the index's name, if used."""
    import pysam

    feeder = _Feeder(feed) if feed is not None else None
    source = feeder.start() if feeder else str(path)
    try:
        vf = pysam.VariantFile(source)
    except (OSError, ValueError, NotImplementedError) as err:   # NotImplemented: a damaged BGZF header
        if feeder:
            feeder.stop()
        if feeder and feeder.error:
            raise feeder.error from None
        raise InputError(f"{path}: not a readable VCF/BCF ({_reason(err)}); check the file is complete") from None
    try:
        yield vf
        if feeder and feeder.error:          # htslib saw the feed end: what was cut off is the error
            raise feeder.error
    # htslib's ways of saying "malformed" (pysam asserts on some damaged headers, e.g. a contig entry)
    except (OSError, ValueError, IndexError, KeyError, NotImplementedError, AssertionError) as err:
        _close(vf, feeder)                   # a failed read often fails the close too: keep the first error
        if feeder and feeder.error:
            raise feeder.error from None
        if index:
            raise InputError(f"{path}: reading through the index {index} failed ({_reason(err)}): the index does "
                             f"not match the file; rebuild it with {_rebuild(path, bcf)} or remove it") from None
        raise InputError(f"{path}: a malformed VCF record ({_reason(err)}); "
                         f"check the header lists every sample and the columns match it") from None
    except BaseException:
        _close(vf, feeder)
        raise
    try:
        vf.close()
    except OSError as err:                   # htslib saw damage it did not raise while reading
        if index:
            raise InputError(f"{path}: the index {index} does not match the file ({_reason(err)}); "
                             f"rebuild it with {_rebuild(path, bcf)} or remove it") from None
        raise InputError(f"{path}: the file is truncated or damaged ({_reason(err)}); download it again") from None
    finally:
        if feeder:
            feeder.stop()


def _close(vf, feeder: "_Feeder | None") -> None:
    try:
        vf.close()
    except OSError:
        pass
    if feeder:
        feeder.stop()


def _reason(err: Exception) -> str:
    text = str(err).strip().rstrip(".")
    if "does not have valid header" in text:
        return "its header is not a valid VCF header"          # pysam's wording quotes bytes reprs
    if "seek not implemented" in text:
        return "its compressed blocks are damaged"             # a BGZF block header htslib took for gzip
    return text or type(err).__name__


class _Feeder:
    """Writes chunks into a pipe from a thread, for pysam to read as /dev/fd/N. The chunks may be
    checked as they are made: an InputError stops the feed, and is kept to be reported."""

    def __init__(self, chunks: Iterable[bytes]):
        self.chunks, self.error = chunks, None
        self.read_fd, self.write_fd = os.pipe()

    def start(self) -> str:
        threading.Thread(target=self._run, daemon=True).start()
        return f"/dev/fd/{self.read_fd}"

    def _run(self) -> None:
        dst = os.fdopen(self.write_fd, "wb")
        try:
            for chunk in self.chunks:
                dst.write(chunk)
        except BrokenPipeError:
            pass                             # the reader stopped early: every panel site was passed
        except InputError as err:
            self.error = err                 # set before the pipe closes, so the reader sees it at EOF
        finally:
            try:
                dst.close()
            except BrokenPipeError:
                pass

    def stop(self) -> None:
        try:
            os.close(self.read_fd)
        except OSError:
            pass


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
