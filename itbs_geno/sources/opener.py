"""Open a download as text lines, whatever its compression: plain, gzip or a vendor zip.

Compression is decided from the first bytes (magic numbers), never from the name.
Line ends (LF, CRLF, CR), a UTF-8 or UTF-16 byte-order mark and stray non-UTF-8 bytes
are all handled here, so readers see clean lines and nothing else. After the head, the text
is also given as blocks of whole lines in UTF-8 bytes, never decoded as a whole: the table
readers scan them as they are (sources/_scan.py). A compressed file is inflated on a second
thread (sources/_ahead.py), by python-isal when it is installed.
"""

import itertools
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.sources import zipped
from itbs_geno.sources._ahead import chunks
from itbs_geno.sources.zipped import Binary

HEAD_LINES = 60                          # enough to cover every vendor's comment header
CHUNK = 1 << 20                          # bytes read at a time
MAX_LINE = 1 << 20                       # no genotype file has a line anywhere near 1 Mi characters
# A consumer download is ~30 MB of text and the largest real ones stay under 100 MB; 500 MB leaves
# a wide margin and bounds a compression bomb to ~30 s of reading. ITBS_MAX_TEXT_MB raises it
# for a huge generic table (imputed data, say).
MAX_TEXT = 500_000_000
MAX_TEXT_ENV = "ITBS_MAX_TEXT_MB"
# Real rows are 10+ characters ("rs1\t1\t1\tAA"); a stretch of text whose lines average under 8 is
# blank lines or a bomb of newlines, which would otherwise cost a Python loop turn per byte.
MIN_LINE_AVERAGE = 8
LINE_SLACK = 10_000                      # a few thousand blank lines at the end of a small file are fine
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
@dataclass
class Opened:
    compression: str                     # "none", "gzip" or "zip"
    member: str | None                   # the zip member read
    head: list[str]                      # the first HEAD_LINES lines (fewer if one is too long)
    lines: Iterator[str]                 # every line, head included, without line ends
    refusal: InputError | None = None    # a line too long came before HEAD_LINES: reading on raises it
    # The text after the head in blocks of whole lines, each line ending in "\n", as UTF-8 bytes (decode
    # with text()). It shares its source with `lines`: a reader reads one or the other (the table
    # readers scan blocks, sources/_scan.py).
    blocks: Iterator[bytes] = field(default_factory=lambda: iter(()))


def sniff_compression(path: Path) -> str:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic in ZIP_MAGICS:
        return "zip"
    return "none"


def max_text() -> int:
    """The most text a file may decompress to: MAX_TEXT, or ITBS_MAX_TEXT_MB megabytes."""
    value = os.environ.get(MAX_TEXT_ENV, "").strip()
    if not value:
        return MAX_TEXT
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= 7 and int(value) > 0):
        raise InputError(f"{MAX_TEXT_ENV}={value[:20]!r} is not a number of megabytes; set it to a whole "
                         f"number such as 4000, or unset it")
    return int(value) * 1_000_000


# Genotype text compresses 3 to 4 times (a 16 MB 23andMe file zips to 6 MB). A compressed file that
# expands far more is a bomb however small it is, and reading even 500 MB of it would take ~30 s: it
# may give at most MAX_RATIO times its size in text (never less than RATIO_FLOOR).
MAX_RATIO = 10
RATIO_FLOOR = 64_000_000


def text_limit(path: Path, compression: str) -> int:
    """The most text this file may give: ITBS_MAX_TEXT_MB when set; else MAX_TEXT, and for a
    compressed file also MAX_RATIO times its size on disk."""
    limit = max_text()
    if compression == "none" or os.environ.get(MAX_TEXT_ENV, "").strip():
        return limit
    return min(limit, max(RATIO_FLOOR, MAX_RATIO * path.stat().st_size))


@contextmanager
def open_text(path: Path, claims: Callable[[list[str]], bool]) -> Iterator[Opened]:
    """Open `path`; for a zip, `claims(head)` tells a genotype member from a README."""
    _check_readable(path)
    compression = sniff_compression(path)
    limit = text_limit(path, compression)
    if compression == "zip":
        with zipped.open_zip(path) as archive:
            member = _pick_member(path, archive, claims, limit)
            with (zipped.open_member(path, archive, member) as raw,
                  _opened(path, raw, "zip", member.filename, limit) as opened):
                yield opened
        return
    with open_gzip(path) if compression == "gzip" else open(path, "rb") as raw, \
            _opened(path, raw, compression, None, limit) as opened:
        yield opened


def open_gzip(path: Path) -> Binary:
    """A gzip file, inflated by python-isal when it is installed (three times as fast as zlib, with the
    same checks and the same errors), else by the standard library."""
    try:
        from isal import igzip
    except ImportError:                  # no wheel for this platform: zlib reads the same files
        import gzip
        return gzip.open(path, "rb")
    return igzip.open(path, "rb")


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the genotype file inside it")
    # A pipe (/dev/stdin from a pipeline, a FIFO) can be read only once, but the file is read more than
    # once (compression sniffing, then the data, then its checksum); opening a FIFO also blocks.
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError(f"{path}: is not a regular file (a pipe or a device?); save it to a file first "
                         f"and give that file")
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None


@contextmanager
def _opened(path: Path, raw: Binary, compression: str, member: str | None, limit: int) -> Iterator[Opened]:
    # A compressed file is inflated on a second core while the first one reads (sources/_ahead.py).
    with chunks(path, raw, CHUNK, ahead=compression != "none") as parts:
        blocks = _split_blocks(path, parts, limit)
        head, rest, refusal = _head(blocks)
        after = _raise(refusal) if refusal else itertools.chain([rest] if rest else [], blocks)
        yield Opened(compression, member, head, itertools.chain(head, _lines(after)), refusal, after)


def _lines(blocks: Iterator[bytes]) -> Iterator[str]:
    for block in blocks:
        yield from text(block).split("\n")[:-1]


def text(data: bytes) -> str:
    """Text from the opener's bytes. They are cut only after a "\n", which is never part of a UTF-8
    sequence, so decoding each block gives exactly what decoding the whole file would."""
    return data.decode("utf-8", "replace")


def _head(blocks: Iterator[bytes]) -> tuple[list[str], bytes, InputError | None]:
    """The first HEAD_LINES lines and the rest of the block they end in, or the lines before text no
    consumer file has: that is enough to tell the format, and the refusal is kept for whoever reads
    on. A VCF or BCF is read again by its own reader, whose limits suit cohort files (a record of
    3,000 samples with PL can pass 1 Mi characters) and binary data."""
    head: list[str] = []
    try:
        for block in blocks:
            need = HEAD_LINES - len(head)
            parts = block.split(b"\n", need)
            if len(parts) > need:
                head += [text(part) for part in parts[:need]]
                return head, parts[need], None
            head += [text(part) for part in parts[:-1]]    # a block ends in "\n": its last part is empty
    except NotConsumerText as refusal:
        return head, b"", refusal
    return head, b"", None


class NotConsumerText(InputError):
    """Text no consumer file has (a line over MAX_LINE, runs of near-empty lines). A VCF or BCF may
    (a BCF is binary, and a VCF record can be long): their readers read the file again, with limits
    of their own."""


def _raise(refusal: InputError) -> Iterator[bytes]:
    raise refusal
    yield  # a generator: the refusal comes when the lines after the head are read


def _split_blocks(path: Path, parts: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """Whole lines in blocks of about CHUNK bytes, each line ending in "\n" (CRLF and lone CR made
    "\n"), so a file that is one endless line, or a compression bomb, is refused before it can fill
    memory or take minutes."""
    pending, total, cr = b"", 0, b""
    for part in parts:
        chunk = cr + part
        cr = chunk[-1:] if chunk.endswith(b"\r") else b""    # its "\n" may start the next part
        if b"\r" in chunk:
            chunk = chunk[:len(chunk) - len(cr)].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        total += len(chunk)
        if total > limit:
            raise InputError(f"{path}: decompresses to more than {limit // 1_000_000:,} MB of text, more than any "
                             f"genotype download gives (at most {MAX_TEXT // 1_000_000:,} MB, or {MAX_RATIO} times the "
                             f"compressed size); a damaged file or a compression bomb? Refusing it (set "
                             f"{MAX_TEXT_ENV} to raise the limit for a huge table)")
        if chunk.count(b"\n") + 1 > len(chunk) // MIN_LINE_AVERAGE + LINE_SLACK:   # (`pending` has no "\n")
            if total == len(chunk):         # the first lines still tell a BCF (binary) by its magic
                yield b"\n".join((pending + chunk).split(b"\n", HEAD_LINES)[:HEAD_LINES]) + b"\n"
            raise NotConsumerText(f"{path}: holds long runs of blank or near-empty lines, which no genotype "
                             f"download has (a damaged file or a compression bomb?); refusing it")
        end = chunk.rfind(b"\n") + 1
        # One copy of the chunk into the block (a memoryview slice copies nothing).
        block = b"".join((pending, memoryview(chunk)[:end])) if end else b""
        pending = chunk[end:] if end else pending + chunk
        if len(pending) > MAX_LINE and len(text(pending)) > MAX_LINE:
            raise NotConsumerText(f"{path}: has a line longer than {MAX_LINE >> 20} Mi characters, which no genotype "
                             f"file has; check that this is the right file")
        if end:
            yield block
    if pending or cr:
        yield pending + b"\n"


def _pick_member(path: Path, archive: zipfile.ZipFile, claims: Callable[[list[str]], bool],
                 limit: int) -> zipfile.ZipInfo:
    members = zipped.candidates(path, archive)
    huge = [m for m in members if m.file_size > limit]
    if huge:
        raise InputError(f"{path}: {huge[0].filename} would decompress to {huge[0].file_size // 1_000_000:,} MB, "
                         f"far more than any genotype download; refusing it (a compression bomb?; set "
                         f"{MAX_TEXT_ENV} to raise the limit for a huge table)")
    return zipped.choose(path, members, lambda m: claims(_member_head(path, archive, m, limit)))


def _member_head(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> list[str]:
    with zipped.open_member(path, archive, member) as raw, _opened(path, raw, "zip", member.filename, limit) as opened:
        return list(itertools.islice(opened.lines, HEAD_LINES))
