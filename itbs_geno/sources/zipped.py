"""Vendor zips: the archive checked before zipfile trusts it, the member that holds the data
chosen, and members read whatever their method (Deflate through python-isal or zlib, Deflate64
through inflate64)."""

import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from itbs_geno.errors import InputError

DEFLATE64 = 9                            # Windows Explorer's method for big files; zipfile cannot read it
# A file's bytes as gzip, zipfile, open(..., "rb") or the Deflate64 reader give them.
Binary = io.BufferedIOBase | io.RawIOBase
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, DEFLATE64)
_PATCHED_DATA, _STRONG_ENCRYPTION = 0x20, 0x40
# What zipfile and the decompressors raise on a damaged archive or member: a bad CRC, a local header
# that disagrees with the directory, bad zip64 fields, undecodable names, impossible sizes.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OverflowError,
               EOFError, OSError, zlib.error, lzma.LZMAError, struct.error)
# zipfile reads the whole central directory into memory and makes an object per entry, trusting the
# sizes in the end record (a 4 KB sparse file can declare 4 GiB). A vendor zip holds a few files.
MAX_MEMBERS = 10_000
MAX_CANDIDATES = 20                      # files in a zip that could be the data (READMEs, other texts)
MAX_DIRECTORY = 16 << 20
# Files a vendor puts beside the genotypes in its zip; never the data itself.
_NOT_DATA_SUFFIXES = (".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg", ".md5", ".sig")


def open_zip(path: Path) -> zipfile.ZipFile:
    _check_directory_size(path)
    try:
        return zipfile.ZipFile(path)
    except ZIP_ERRORS:
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
def open_member(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[Binary]:
    try:
        if member.compress_type == zipfile.ZIP_DEFLATED:
            archive.open(member).close()     # zipfile's own checks of the entry (local header, overlaps)
        # typeshed says ZipFile.open gives IO[bytes]; for reading it is a ZipExtFile (a BufferedIOBase)
        raw: Binary = (_Inflated(path, member) if member.compress_type in (DEFLATE64, zipfile.ZIP_DEFLATED)
                       else cast(zipfile.ZipExtFile, archive.open(member)))
    except ZIP_ERRORS:
        raise InputError(f"{path}: the zip archive is truncated or damaged; download it again") from None
    with raw:
        yield raw


class _Inflated(io.RawIOBase):
    """A deflated member, inflated here rather than by zipfile: by python-isal when installed (three
    times as fast as zlib, and it lets go of the interpreter lock, so the reading thread of
    sources/_ahead.py inflates beside the scan), else by zlib; or a Deflate64 member (Windows
    Explorer zips big files so; zipfile cannot read it) by inflate64. Each is checked as zipfile
    checks its own: the local header, the size, the CRC-32."""

    def __init__(self, path: Path, member: zipfile.ZipInfo):
        self._inflate, self._piece, self._crc32, self._errors = _inflater(member.compress_type)
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
        self._compressed_left, self._size, self._expected_crc = member.compress_size, member.file_size, member.CRC
        self._out, self._crc, self._pending, self._at, self._tail, self._full = 0, 0, b"", 0, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        """Fill `buffer` whole when the member has that much left: few calls, so the reading thread of
        sources/_ahead.py seldom needs the interpreter lock the scan holds."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if self._at == len(self._pending) and not self._inflate_more(len(view) - filled):
                break
            taken = min(len(view) - filled, len(self._pending) - self._at)
            view[filled:filled + taken] = self._pending[self._at:self._at + taken]
            self._at += taken
            filled += taken
        return filled

    def _inflate_more(self, most: int) -> bool:
        """Inflate the next piece (at most `most` bytes of it); False at the member's checked end."""
        while True:
            if not self._tail and not self._full:     # (a full piece may have more output held back)
                if not self._compressed_left:
                    if self._out != self._size or self._crc != self._expected_crc:
                        raise zipfile.BadZipFile("bad CRC-32 or size")
                    return False
                self._tail = self._file.read(min(self._compressed_left, self._piece))
                if not self._tail:
                    raise zipfile.BadZipFile("truncated member")
                self._compressed_left -= len(self._tail)
            try:
                self._pending, self._tail = self._inflate(self._tail, most)
            except self._errors:
                raise zipfile.BadZipFile("bad deflated data") from None
            self._at, self._full = 0, len(self._pending) == most
            self._out += len(self._pending)
            if self._out > self._size:
                raise zipfile.BadZipFile("more data than the directory declares")
            self._crc = self._crc32(self._pending, self._crc)
            if self._pending:
                return True

    def close(self) -> None:
        self._file.close()
        super().close()


# inflate(compressed, at most this many bytes out) -> (bytes out, compressed input not used yet)
Inflate = Callable[[bytes, int], tuple[bytes, bytes]]


def _inflater(method: int) -> tuple[Inflate, int, Callable[[bytes, int], int], tuple[type[Exception], ...]]:
    """What inflates a member piece by piece, how much compressed data to read at a time, the CRC-32
    to check it with, and what the inflater raises on damaged data."""
    if method == DEFLATE64:
        import inflate64  # only needed for this rare method

        inflater = inflate64.Inflater()      # no bound on its output: small reads (<= ~16 MiB inflated)
        return lambda data, most: (inflater.inflate(data), b""), 1 << 14, zlib.crc32, (ValueError,)
    try:
        from isal import isal_zlib
    except ImportError:                  # no wheel for this platform (pyproject.toml): zlib inflates the same
        return _bounded(zlib.decompressobj(-zlib.MAX_WBITS)), 1 << 18, zlib.crc32, (zlib.error,)
    # (the stubs declare isal_zlib.error an instance; it is the class IsalError)
    return (_bounded(isal_zlib.decompressobj(-zlib.MAX_WBITS)), 1 << 18, isal_zlib.crc32,
            (cast(type[Exception], isal_zlib.error),))


def _bounded(inflater) -> Inflate:
    """zlib's (or python-isal's) decompressobj with its output bounded. Data after the end of the
    Deflate stream is dropped, as zipfile drops it (zlib would hand it back as unconsumed forever)."""
    def inflate(data: bytes, most: int) -> tuple[bytes, bytes]:
        if inflater.eof:
            return b"", b""
        out = inflater.decompress(data, most)
        return out, b"" if inflater.eof else inflater.unconsumed_tail
    return inflate


def candidates(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members that could be the data, each checked to be readable by this tool."""
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
    return members


def choose(path: Path, members: list[zipfile.ZipInfo],
           is_genotype_file: Callable[[zipfile.ZipInfo], bool]) -> zipfile.ZipInfo:
    """The one member that is the genotype data: the only candidate, or the only one whose head a
    reader claims (a vendor zip may hold a README beside it)."""
    if len(members) == 1:
        return members[0]
    if len(members) > MAX_CANDIDATES:              # each would be decompressed to read its head
        raise InputError(f"{path}: the zip holds {len(members):,} files, where a genotype download holds one "
                         f"or two; unzip it and give the genotype file")
    genotype_files = [m for m in members if is_genotype_file(m)]
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
