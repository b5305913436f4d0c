"""How a VCF or BCF is read (sources/vcf.py is the reader; this is its work): the index or a
text pass chooses the records, pysam decodes them, and the build is decided from the data."""

import gzip
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbs_geno import build as builds
from itbs_geno.errors import InputError
from itbs_geno.model import RawCall
from itbs_geno.sources import vcf_bcf, vcf_calls, vcf_index, vcf_pysam, vcf_scan
from itbs_geno.sources.opener import GZIP_MAGIC, Opened
from itbs_geno.sources.reader import Read, Wanted
from itbs_geno.sources.vcf import STRAND
from itbs_geno.sources.vcf_pysam import Record, rebuild
from itbs_geno.sources.vcf_sites import Target


@dataclass(frozen=True)
class _Found:
    """What was read while the file was open."""
    samples: tuple[str, ...]
    format: str                                  # "VCF" or "BCF"
    index: str | None                            # the index used, if any
    records: int | None                          # records read; None when the index was used
    header: list[str]                            # the header lines that name the reference
    contigs: dict[str, int | None]               # ##contig lengths
    seen: dict[Target, list[Record]]             # the records at each target


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    """Every sample's rows at the panel sites. The file is read again by pysam, not from `opened`."""
    pysam = vcf_pysam.load_pysam(path)
    pysam.set_verbosity(0)           # htslib would print warnings on stderr, outside our one-line rule
    compression = _compression(path)
    targets = list(wanted.targets)
    bcf = _is_bcf(path, compression)
    way = _way(path, compression, bcf, targets)
    found = vcf_pysam.read_with(path, way.feed, way.index and f"{path.name}.{way.index}", bcf,
                                lambda vf: _gather(path, vf, targets, bcf, way))
    build, basis, warnings = builds.decide(
        _build_from_data(found.seen), builds.from_contigs(found.contigs), builds.from_header(found.header),
        kinds=("the data", "the ##contig lengths", "the header"))
    warnings = way.ignored + warnings
    if build and build not in wanted.builds:
        warnings += ((f"The file is on {build}, for which the panel has no positions; a VCF is "
                      f"matched by position, so no panel site could be read."),)
    rows: dict[str, list[RawCall]] = {s: [] for s in found.samples}
    for target in (t for t in targets if t.build == build):
        for sample, at_site in vcf_calls.rows_for(target, found.seen.get(target, []), found.samples).items():
            rows[sample].extend(at_site)
    records = way.scanned if way.scanned is not None else found.records
    return Read(found.format.lower(), found.format, found.samples, rows, compression, None, build, basis,
                warnings, records, None, "", STRAND, found.index, variant_only=True)


@dataclass(frozen=True)
class _Way:
    """How pysam will read the file: on its path (through the index, or whole), or on a feed of bytes."""
    index: str | None                            # "tbi" or "csi": the index that may be used
    parsed: vcf_index.Index | None               # that index, as read by us
    ignored: tuple[str, ...]                     # why an index beside the file is not used
    scanned: int | None                          # an unindexed text VCF: the records its text pass read
    feed: Iterable[bytes] | None                 # bytes for pysam instead of the path


def _way(path: Path, compression: str, bcf: bool, targets: list[Target]) -> _Way:
    index = vcf_index.kind(path) if compression == "bgzf" else None     # only BGZF is indexed
    parsed = None
    ignored: tuple[str, ...] = ()
    if index:
        parsed, mismatch = vcf_index.usable(path, index)
        if mismatch:
            # htslib would trust it and silently miss records, or fail mid-block: read the whole file instead.
            index, parsed, ignored = None, None, (f"{mismatch[:-1]} ({rebuild(path, bcf)}).",)
    if not bcf and parsed is None:
        # An unindexed text VCF: a fast text pass keeps the few records near the sites.
        near, records = vcf_scan.prefilter(path, compression, targets)
        return _Way(index, parsed, ignored, records, near)
    if not bcf and parsed is not None:
        _check_what_htslib_reads(path, compression, parsed, targets)
        return _Way(index, parsed, ignored, None, None)
    # each record's length checked before htslib reads it
    return _Way(index, parsed, ignored, None, None if parsed else vcf_bcf.stream(path, compression))


def _gather(path: Path, vf: Any, targets: list[Target], bcf: bool, way: _Way) -> _Found:
    """Inside pysam's error handling: the header, and the records near each target, copied out."""
    samples = tuple(vf.header.samples)
    if not samples:
        raise InputError(f"{path}: the VCF has no sample columns (sites only), so there are no genotypes to read")
    vcf_scan.check_samples(path, len(samples))       # a BCF's header is only read by pysam
    if bcf and way.parsed is not None:
        _check_what_htslib_reads_in_bcf(path, way.parsed, targets, list(vf.header.contigs))
    index = way.index if way.feed is None and vf.index is not None else None
    records, seen = _collect(vf, targets, indexed=index is not None)
    # Only the lines that name the reference: command lines often mention other builds.
    header = [line for line in str(vf.header).splitlines()
              if line.startswith(("##reference", "##assembly", "##contig"))]
    contigs = {name: vf.header.contigs[name].length for name in vf.header.contigs}
    copied = {t: [vcf_pysam.copy_record(r) for r in found] for t, found in seen.items()}
    return _Found(samples, "BCF" if vf.format == "BCF" else "VCF", index, records, header, contigs, copied)


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


def _is_bcf(path: Path, compression: str) -> bool:
    opener = gzip.open if compression in ("gzip", "bgzf") else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(3) == b"BCF"
    except (OSError, EOFError, zlib.error):
        return False                         # pysam will report the damage


def _collect(vf: Any, targets: list[Target], indexed: bool) -> tuple[int | None, dict[Target, list[Any]]]:
    """Records overlapping each target: fetched through the index, or in one streaming pass
    that stops once every target has been passed."""
    seen: dict[Target, list[Any]] = {}
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
    current: str | None = None
    records = 0
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


def _build_from_data(seen: dict[Target, list[Record]]) -> builds.Decision | None:
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
