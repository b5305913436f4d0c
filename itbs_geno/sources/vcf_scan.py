"""A fast first pass over an unindexed text VCF: keep the header and the few records near the
panel's sites, count the rest, and hand only that to pysam.

A whole-genome VCF has millions of records and pysam parses each one (~3 µs); here the
text is read in large blocks, and a block is halved until each part either cannot reach a
panel site — judged from its first and last record, and the record just before it, which a
gVCF reference block may stretch over a site — or is small enough to split into lines.
VCFs are sorted by position, so this sees exactly the records a full pass would; it stops
once every site's chromosome is behind it.
The first records are always passed on too, so a systematically malformed file still fails.

htslib reads a line, or the header, whole into memory however long it is; every line read here
(and, for an indexed file, each region htslib will fetch: check_region) is held to MAX_LINE and
MAX_HEADER first, and NUL bytes, never in VCF text, are refused on sight.
"""

import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.sources.vcf_sites import Target

BLOCK = 4 << 20
READ = 4 << 20        # compressed bytes read at a time
CHECKED = 1000        # the first records always go to pysam too, so a malformed file is still caught

SMALL = 64 << 10      # regions at most this long are split into lines
# htslib reads a line, or the header, whole into memory, however long it is. Real lines are long
# (17,000 samples' GT ~70 KB, 3,000 samples with PL ~200 KB, a big SV INFO a few MB) but far from these.
MAX_LINE = 64 << 20
MAX_HEADER = 64 << 20  # 10^6 sample names are ~10 MB; thousands of ##contig lines a few MB
# Each sample becomes a result and a report of its own: 10,000 covers real cohort files (1000 Genomes
# has 3,202) three times over and keeps a run in seconds; a 100 KB file must not ask for 10^6 reports.
# A bigger cohort is split with bcftools view -S.
MAX_SAMPLES = 10_000


def prefilter(path: Path, compression: str, targets: Iterable[Target]) -> tuple[Iterator[bytes], int]:
    """(a small VCF holding the header and every record that may concern a site, in pieces; records read)."""
    wanted: dict[bytes, list[tuple[int, int]]] = {}
    for t in targets:
        wanted.setdefault(t.chrom.encode(), []).append((t.first, t.end))
    last_end = {c: max(e for _, e in ivs) for c, ivs in wanted.items()}
    header: list[bytes] = []
    kept: dict[bytes, None] = {}
    chroms: list[bytes] = []
    records = 0
    previous: bytes | None = None          # the last record before the current block
    try:
        for raw in _blocks(path, compression):
            block = raw
            if not records and block.startswith(b"#"):
                block = _take_header(path, block, header)
                if not block:
                    continue
            if not records:                                 # the header has ended
                check_samples(path, len(_columns(header)) - 9)
            if records < CHECKED:
                kept.update(dict.fromkeys(line for line in _first_lines(block, CHECKED - records) if line))
            records += block.count(b"\n")
            _scan(block, previous, wanted, kept, chroms)
            previous = _last_line(block)
            finished = set(chroms[:-1])                 # sorted: earlier chromosomes are behind us
            last_chrom, last_pos = _key(previous)
            if last_chrom in wanted and last_pos > last_end[last_chrom]:
                finished.add(last_chrom)
            if finished >= set(wanted):
                break
    except (OSError, EOFError, zlib.error) as err:
        raise _damaged(path, err) from None
    if not header:
        raise InputError(f"{path}: not a readable VCF (no header lines); check the file is complete")
    return _pieces(b"".join(header), list(kept)), records


def _pieces(header: bytes, lines: list[bytes]) -> Iterator[bytes]:
    """The header, then each line, let go of once given (3,202 samples' first 1,000 records are 13 MB)."""
    yield header
    lines.reverse()
    while lines:
        yield lines.pop() + b"\n"


def _first_lines(block: bytes, count: int) -> list[bytes]:
    """block.split(b"\n", count)[:count], without copying the rest of the block as that would."""
    cut = -1
    for _ in range(count):
        cut = block.find(b"\n", cut + 1)
        if cut < 0:
            return block.split(b"\n")               # fewer lines than `count`: all of them
    return block[:cut].split(b"\n")


def check_header(path: Path, compression: str) -> None:
    """Read the header with the limits above, before htslib reads it for the indexed path: in small
    blocks, as htslib reads no more before it seeks (a whole block of a genome's records: 60 ms)."""
    header: list[bytes] = []
    try:
        for block in _blocks(path, compression, min(SMALL, BLOCK), read=SMALL):
            if _take_header(path, block, header):
                check_samples(path, len(_columns(header)) - 9)
                return                             # the first record: the header has ended
    except (OSError, EOFError, zlib.error) as err:
        raise _damaged(path, err) from None


def check_samples(path: Path, samples: int) -> None:
    if samples > MAX_SAMPLES:
        raise InputError(f"{path}: holds {samples:,} samples, more than the {MAX_SAMPLES:,} read from one "
                         f"file; split it (bcftools view -S names.txt) and read the parts")


def _columns(header: list[bytes]) -> list[bytes]:
    """The #CHROM line's columns (pysam says what is wrong if it is missing)."""
    return header[-1].split(b"\t") if header and header[-1].startswith(b"#CHROM") else []


def _damaged(path: Path, err: Exception) -> InputError:
    return InputError(f"{path}: the compressed data is truncated or damaged ({err}); download it again")


def _scan(data: bytes, before: bytes | None, wanted: dict[bytes, list[tuple[int, int]]],
          kept: dict[bytes, None], chroms: list[bytes]) -> None:
    """Halve `data` (whole lines) until a part either cannot reach a site (skipped unread)
    or is small enough, or a single line, to read line by line. `before` is the record just
    before `data`. A list of parts, not recursion: a line longer than SMALL cannot be halved."""
    parts = [(data, before)]
    while parts:
        data, before = parts.pop()
        first_chrom, first_pos = _key(data[: data.find(b"\n")])
        last_chrom, last_pos = _key(_last_line(data))
        start = _key(before) if before else (first_chrom, first_pos)
        if start[0] == last_chrom and not _may_hold(wanted, start, (last_chrom, last_pos)):
            _note(chroms, last_chrom)
            continue
        middle = _middle(data)
        if len(data) <= SMALL or middle is None:
            lines = ([before] if before else []) + data[:-1].split(b"\n")
            for line in lines:
                _note(chroms, _key(line)[0])
            kept.update(dict.fromkeys(_pick(lines, wanted)))
            continue
        left, right = data[:middle], data[middle:]
        parts.append((right, _last_line(left)))     # popped after the left half: file order
        parts.append((left, before))


def _middle(data: bytes) -> int | None:
    """Where to cut `data` into two parts of whole lines, or None when it is one line."""
    middle = data.find(b"\n", len(data) // 2) + 1
    if not 0 < middle < len(data):
        middle = data.find(b"\n") + 1
    return middle if 0 < middle < len(data) else None


def _note(chroms: list[bytes], chrom: bytes) -> None:
    if not chroms or chroms[-1] != chrom:
        chroms.append(chrom)


def _last_line(data: bytes) -> bytes:
    return data[data.rfind(b"\n", 0, len(data) - 1) + 1: -1]


def _plain(path: Path, size: int | None = None) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size or BLOCK):
            yield chunk


def _gunzipped(path: Path, start: int = 0, read: int = READ, most: int | None = None) -> Iterator[bytes]:
    """Decompressed chunks (at most `most` bytes, BLOCK by default) of a gzip or BGZF file (many gzip members),
    read `read` bytes at a time from the member at `start`. zlib: the gzip module costs as much again."""
    most = most or BLOCK
    inflater, in_member = zlib.decompressobj(zlib.MAX_WBITS | 16), False
    with open(path, "rb") as fh:
        fh.seek(start)
        while raw := fh.read(read):
            while raw:
                in_member = True
                yield inflater.decompress(raw, most)       # bounded: a plain gzip is one huge member
                raw = inflater.unconsumed_tail
                if inflater.eof:               # the next member starts in the leftover bytes
                    raw, in_member = inflater.unused_data, False
                    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    if in_member:
        raise EOFError("the compressed stream ends in the middle of a member")


def check_region(path: Path, start: int, contig: bytes, end: int) -> None:
    """Read, as htslib will through the index, from the virtual offset `start` to the first record
    past `end` on `contig`, with the limits above: htslib reads a line whole, however long."""
    skip, pending, size = start & 0xFFFF, [], 0    # pending: the start of a line, `size` bytes long
    try:
        for inflated in _gunzipped(path, start >> 16, read=1 << 16):
            chunk, skip = inflated[skip:], max(0, skip - len(inflated))
            _refuse_junk(path, chunk)
            if b"\n" not in chunk:
                pending.append(chunk)
                size += len(chunk)
                _refuse_long(path, size)
                continue
            lines = (b"".join(pending) + chunk).split(b"\n")
            pending, size = [lines[-1]], len(lines[-1])
            _refuse_long(path, size)
            for line in lines[:-1]:
                fields = line.split(b"\t", 2)
                if fields[0] != contig or len(fields) < 2 or not fields[1].isdigit() or int(fields[1]) > end:
                    return                                # past the region (or a line htslib will reject)
    except (OSError, EOFError, zlib.error) as err:
        raise _damaged(path, err) from None


def _refuse_junk(path: Path, chunk: bytes) -> None:
    if b"\0" in chunk:
        raise InputError(f"{path}: holds binary data (NUL bytes) inside the VCF text; "
                         f"the file is damaged or not a VCF, download it again")


def _refuse_long(path: Path, length: int) -> None:
    if length > MAX_LINE:
        raise InputError(f"{path}: has a line longer than {MAX_LINE >> 20} MiB, far longer than any VCF "
                         f"record; the file is damaged or not a VCF, check it")


def _blocks(path: Path, compression: str, size: int | None = None, read: int = READ) -> Iterator[bytes]:
    """Blocks of whole lines (of `size` bytes or more, BLOCK by default, but the last), CRLF turned into LF.
    A line longer than MAX_LINE, or a NUL byte (never in VCF text), is refused as soon as it is seen."""
    size = size or BLOCK
    chunks = _gunzipped(path, read=read, most=size) if compression in ("gzip", "bgzf") else _plain(path, size)
    pending, length, tail = [], 0, 0           # tail: the bytes after the last newline
    for chunk in chunks:
        _refuse_junk(path, chunk)
        pending.append(chunk)
        length += len(chunk)
        newline = chunk.rfind(b"\n")
        tail = tail + len(chunk) if newline < 0 else len(chunk) - newline - 1
        _refuse_long(path, tail)
        if length < size or newline < 0:
            continue
        data = b"".join(pending)
        pending, length = [data[len(data) - tail:]], tail
        yield _lf(data[: len(data) - tail])
    data = b"".join(pending)
    if data.strip():
        yield _lf(data if data.endswith(b"\n") else data + b"\n")


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n") if b"\r" in data else data


_HEADER_LINES = re.compile(rb"(?:#[^\n]*\n)*")


def _take_header(path: Path, block: bytes, header: list[bytes]) -> bytes:
    """Moves the header lines at the start of `block` to `header` (as one piece: a file of millions
    of "#" lines must not become millions of objects); returns the rest."""
    match = _HEADER_LINES.match(block)              # (#...\n)* matches every block, if only in 0 bytes
    position = match.end() if match else 0
    if position:
        header.append(block[:position])
    if sum(map(len, header)) > MAX_HEADER:
        raise InputError(f"{path}: the VCF header is longer than {MAX_HEADER >> 20} MiB, far longer than "
                         f"any real header; the file is damaged or not a VCF, check it")
    return block[position:]


def _key(line: bytes) -> tuple[bytes, int]:
    fields = line.split(b"\t", 2)
    chrom = fields[0].removeprefix(b"chr")
    chrom = b"MT" if chrom == b"M" else chrom
    try:
        return chrom, int(fields[1])
    except (IndexError, ValueError):
        return chrom, -1                    # a malformed record: pysam will say so if it matters


def _may_hold(wanted: dict[bytes, list[tuple[int, int]]], start: tuple[bytes, int], end: tuple[bytes, int]) -> bool:
    """Whether the records from `start` to `end`, on one chromosome, can reach a site."""
    return any(s <= end[1] and e >= start[1] for s, e in wanted.get(start[0], ()))


def _pick(lines: list[bytes], wanted: dict[bytes, list[tuple[int, int]]]) -> list[bytes]:
    """Records at a site, and for each site the last record before it (a gVCF block may span
    it), in file order (pysam's reader stops early on the assumption that records are sorted)."""
    keep, before = set(), {}
    for i, line in enumerate(lines):
        if not line or line.startswith(b"#"):
            continue
        chrom, pos = _key(line)
        for s, e in wanted.get(chrom, ()):
            if s <= pos <= e:
                keep.add(i)
            elif pos < s:
                before[(chrom, s)] = i
    keep.update(before.values())
    return [lines[i] for i in sorted(keep)]
