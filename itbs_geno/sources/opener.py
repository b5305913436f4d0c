"""Open a download as text lines, whatever its compression: plain, gzip or a vendor zip.

Compression is decided from the first bytes (magic numbers), never from the name.
Line ends (LF, CRLF, CR), a UTF-8 or UTF-16 byte-order mark and stray non-UTF-8 bytes
are all handled here, so readers see clean lines and nothing else.
"""

import gzip
import io
import itertools
import lzma
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from itbs_geno.errors import InputError

HEAD_LINES = 60                          # enough to cover every vendor's comment header
CHUNK = 1 << 20                          # characters decoded at a time
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
DEFLATE64 = 9                            # Windows Explorer's method for big files; zipfile cannot read it
# A file's bytes as gzip, zipfile, open(..., "rb") or the Deflate64 reader give them.
Binary = io.BufferedIOBase | io.RawIOBase
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, DEFLATE64)
_PATCHED_DATA, _STRONG_ENCRYPTION = 0x20, 0x40
# What zipfile and the decompressors raise on a damaged archive or member: a bad CRC, a local header
# that disagrees with the directory, bad zip64 fields, undecodable names, impossible sizes.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OverflowError,
               EOFError, OSError, zlib.error, lzma.LZMAError, struct.error)
_DAMAGED = "the compressed data is truncated or damaged; download it again"
# zipfile reads the whole central directory into memory and makes an object per entry, trusting the
# sizes in the end record (a 4 KB sparse file can declare 4 GiB). A vendor zip holds a few files.
MAX_MEMBERS = 10_000
MAX_CANDIDATES = 20                      # files in a zip that could be the data (READMEs, other texts)
MAX_DIRECTORY = 16 << 20
# Files a vendor puts beside the genotypes in its zip; never the data itself.
_NOT_DATA_SUFFIXES = (".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg", ".md5", ".sig")


@dataclass
class Opened:
    compression: str                     # "none", "gzip" or "zip"
    member: str | None                   # the zip member read
    head: list[str]                      # the first HEAD_LINES lines (fewer if one is too long)
    lines: Iterator[str]                 # every line, head included, without line ends
    refusal: InputError | None = None    # a line too long came before HEAD_LINES: reading on raises it


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
        with _open_zip(path) as archive:
            member = _pick_member(path, archive, claims, limit)
            with _open_member(path, archive, member) as raw:
                yield _opened(path, raw, "zip", member.filename, limit)
        return
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as raw:
        yield _opened(path, raw, compression, None, limit)


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


def _open_zip(path: Path) -> zipfile.ZipFile:
    _check_directory_size(path)
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        raise InputError(f"{path}: the zip archive is truncated or damaged; download it again") from None


def _check_directory_size(path: Path) -> None:
    """Refuse a zip whose end record declares a huge central directory, before zipfile loads it."""
    with open(path, "rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(max(0, size - (22 + 0xFFFF + 20 + 56)))   # end record, its comment, the zip64 record
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")                          # where zipfile finds it too
    if at < 0 or len(tail) - at < 22:
        return                                                # not a zip end record: zipfile says so
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if at >= 76 and tail[at - 20:at - 16] == b"PK\x06\x07" and tail[at - 76:at - 72] == b"PK\x06\x06":
        entries, directory = struct.unpack_from("<QQ", tail, at - 76 + 32)   # the zip64 end record
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY:
        raise InputError(f"{path}: the zip's directory declares {entries:,} file(s) in {directory:,} bytes, far "
                         f"more than a genotype download holds (a damaged file or a zip bomb?); refusing it")


@contextmanager
def _open_member(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[Binary]:
    try:
        # typeshed says ZipFile.open gives IO[bytes]; for reading it is a ZipExtFile (a BufferedIOBase)
        raw: Binary = (_Deflate64(path, member) if member.compress_type == DEFLATE64
                       else cast(zipfile.ZipExtFile, archive.open(member)))
    except _ZIP_ERRORS:
        raise InputError(f"{path}: the zip archive is truncated or damaged; download it again") from None
    with raw:
        yield raw


class _Deflate64(io.RawIOBase):
    """A Deflate64 member (Windows Explorer zips big files this way; zipfile cannot read it), inflated
    with inflate64 and checked like zipfile checks its own: the local header, the size, the CRC-32."""

    def __init__(self, path: Path, member: zipfile.ZipInfo):
        import inflate64  # only needed for this rare method

        self._file = open(path, "rb")                  # noqa: SIM115 (kept open until close())
        try:
            self._file.seek(member.header_offset)
            header = self._file.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile("bad local file header")
            flags, = struct.unpack("<H", header[6:8])
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            name = self._file.read(name_length).decode("utf-8" if flags & 0x800 else "cp437")
            if name != member.orig_filename:
                raise zipfile.BadZipFile("the local header names another file")
            self._file.seek(extra_length, io.SEEK_CUR)
        except BaseException:
            self._file.close()
            raise
        self._inflater = inflate64.Inflater()
        self._compressed_left, self._size, self._expected_crc = member.compress_size, member.file_size, member.CRC
        self._out, self._crc, self._pending, self._at = 0, 0, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at == len(self._pending):
            if not self._compressed_left:
                if self._out != self._size or self._crc != self._expected_crc:
                    raise zipfile.BadZipFile("bad CRC-32 or size")
                return 0
            data = self._file.read(min(self._compressed_left, 1 << 14))   # <= ~16 MiB once inflated
            if not data:
                raise zipfile.BadZipFile("truncated member")
            self._compressed_left -= len(data)
            try:
                self._pending, self._at = self._inflater.inflate(data), 0
            except ValueError:
                raise zipfile.BadZipFile("bad Deflate64 data") from None
            self._out += len(self._pending)
            if self._out > self._size:
                raise zipfile.BadZipFile("more data than the directory declares")
            self._crc = zlib.crc32(self._pending, self._crc)
        taken = min(len(buffer), len(self._pending) - self._at)
        buffer[:taken] = self._pending[self._at:self._at + taken]
        self._at += taken
        return taken

    def close(self) -> None:
        self._file.close()
        super().close()


def _opened(path: Path, raw: Binary, compression: str, member: str | None, limit: int) -> Opened:
    text = _decode(path, raw)
    lines = _split_lines(path, text, limit)
    head, refusal = _head(lines)
    rest = _raise(refusal) if refusal else lines
    return Opened(compression, member, head, itertools.chain(head, rest), refusal)


def _head(lines: Iterator[str]) -> tuple[list[str], InputError | None]:
    """The first HEAD_LINES lines, or the lines before text no consumer file has: that is enough to
    tell the format, and the refusal is kept for whoever reads on. A VCF or BCF is read again by its
    own reader, whose limits suit cohort files (a record of 3,000 samples with PL can pass 1 Mi
    characters) and binary data."""
    head: list[str] = []
    try:
        for line in lines:
            head.append(line)
            if len(head) == HEAD_LINES:
                break
    except NotConsumerText as refusal:
        return head, refusal
    return head, None


class NotConsumerText(InputError):
    """Text no consumer file has (a line over MAX_LINE, runs of near-empty lines). A VCF or BCF may
    (a BCF is binary, and a VCF record can be long): their readers read the file again, with limits
    of their own."""


def _raise(refusal: InputError) -> Iterator[str]:
    raise refusal
    yield  # a generator: the refusal comes when the lines after the head are read


def _split_lines(path: Path, text: io.TextIOWrapper, limit: int) -> Iterator[str]:
    """Lines from fixed-size chunks, so a file that is one endless line, or a compression bomb,
    is refused before it can fill memory or take minutes. (newline=None has turned every line
    end into \\n.)"""
    pending, total = "", 0
    while chunk := _read(path, text):
        total += len(chunk)
        if total > limit:
            raise InputError(f"{path}: decompresses to more than {limit // 1_000_000:,} MB of text, more than any "
                             f"genotype download gives (at most {MAX_TEXT // 1_000_000:,} MB, or {MAX_RATIO} times the "
                             f"compressed size); a damaged file or a compression bomb? Refusing it (set "
                             f"{MAX_TEXT_ENV} to raise the limit for a huge table)")
        lines = (pending + chunk).split("\n")
        if len(lines) > len(chunk) // MIN_LINE_AVERAGE + LINE_SLACK:
            if total == len(chunk):
                yield from lines[:HEAD_LINES]   # the first lines still tell a BCF (binary) by its magic
            raise NotConsumerText(f"{path}: holds long runs of blank or near-empty lines, which no genotype "
                             f"download has (a damaged file or a compression bomb?); refusing it")
        pending = lines.pop()
        if len(pending) > MAX_LINE:
            raise NotConsumerText(f"{path}: has a line longer than {MAX_LINE >> 20} Mi characters, which no genotype "
                             f"file has; check that this is the right file")
        yield from lines
    if pending:
        yield pending


def _decode(path: Path, raw: Binary) -> io.TextIOWrapper:
    buffered = io.BufferedReader(raw) if not isinstance(raw, io.BufferedReader) else raw
    try:
        bom = buffered.peek(4)[:4]
    except _ZIP_ERRORS:                  # a small member is read whole here, CRC check included
        raise InputError(f"{path}: {_DAMAGED}") from None
    encoding = "utf-16" if bom[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    # newline=None turns CRLF and lone CR into "\n"; undecodable bytes in comments must not stop us.
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline=None)


def _read(path: Path, text: io.TextIOWrapper) -> str:
    """The next chunk; a decompression failure mid-stream becomes one clear InputError."""
    try:
        return text.read(CHUNK)
    except _ZIP_ERRORS:                  # includes a bad CRC, found when a member ends
        raise InputError(f"{path}: {_DAMAGED}") from None


def _pick_member(path: Path, archive: zipfile.ZipFile, claims: Callable[[list[str]], bool],
                 limit: int) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if _could_be_data(m)]
    if not members:
        raise InputError(f"{path}: the zip holds no data file; download the raw data again")
    encrypted = [m.filename for m in members if m.flag_bits & (0x1 | _STRONG_ENCRYPTION)]
    if encrypted:
        raise InputError(f"{path}: {encrypted[0]} is password-protected; unzip it yourself and give the .txt file")
    for m in members:
        if m.compress_type not in _READABLE_METHODS:
            raise InputError(f"{path}: {m.filename} is compressed with zip method {m.compress_type}, which this "
                             f"tool cannot read; unzip it with your system's tool and give the .txt file")
        if m.flag_bits & _PATCHED_DATA:
            raise InputError(f"{path}: {m.filename} is stored as PKWARE patch data (zip flag bit 5), which this "
                             f"tool cannot read; unzip it with your system's tool and give the .txt file")
    if any(m.filename.startswith("xl/") or m.filename == "word/document.xml" for m in members):
        raise InputError(f"{path}: an Excel or Word document, not a genotype download; give the vendor's "
                         f"original file (or export the sheet as CSV)")
    huge = [m for m in members if m.file_size > limit]
    if huge:
        raise InputError(f"{path}: {huge[0].filename} would decompress to {huge[0].file_size // 1_000_000:,} MB, "
                         f"far more than any genotype download; refusing it (a compression bomb?; set "
                         f"{MAX_TEXT_ENV} to raise the limit for a huge table)")
    if len(members) == 1:
        return members[0]
    if len(members) > MAX_CANDIDATES:              # each would be decompressed to read its head
        raise InputError(f"{path}: the zip holds {len(members):,} files, where a genotype download holds one "
                         f"or two; unzip it and give the genotype file")
    genotype_files = [m for m in members if claims(_member_head(path, archive, m, limit))]
    if len(genotype_files) == 1:
        return genotype_files[0]
    names = ", ".join(m.filename for m in (genotype_files or members))
    if genotype_files:
        raise InputError(f"{path}: the zip holds several genotype files ({names}); unzip it and give one of them")
    raise InputError(f"{path}: none of the files in the zip ({names}) is a recognised genotype file")


def _could_be_data(member: zipfile.ZipInfo) -> bool:
    name = member.filename                  # empty when a NUL byte starts it (and then is_dir() fails)
    base = name.rsplit("/", 1)[-1]
    return not (not name or member.is_dir() or name.startswith("__MACOSX/") or base.startswith(".")
                or base.lower().endswith(_NOT_DATA_SUFFIXES))


def _member_head(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> list[str]:
    with _open_member(path, archive, member) as raw:
        return list(itertools.islice(_opened(path, raw, "zip", member.filename, limit).lines, HEAD_LINES))
