"""Open a download as text lines, whatever its compression: plain, gzip or a vendor zip.

Compression is decided from the first bytes (magic numbers), never from the name.
Line ends (LF, CRLF, CR), a UTF-8 or UTF-16 byte-order mark and stray non-UTF-8 bytes
are all handled here, so readers see clean lines and nothing else.
"""

import gzip
import io
import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from itbs_geno.errors import InputError

HEAD_LINES = 60                          # enough to cover every vendor's comment header
CHUNK = 1 << 20                          # characters decoded at a time
MAX_LINE = 1 << 20                       # no genotype file has a line anywhere near 1 Mi characters
MAX_TEXT = 4 << 30                       # a consumer file is ~30 MB; more than 4 GiB of text is a bomb
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Files a vendor puts beside the genotypes in its zip; never the data itself.
_NOT_DATA_SUFFIXES = (".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg", ".md5", ".sig")


@dataclass
class Opened:
    compression: str                     # "none", "gzip" or "zip"
    member: str | None                   # the zip member read
    head: list[str]                      # the first HEAD_LINES lines
    lines: Iterator[str]                 # every line, head included, without line ends


def sniff_compression(path: Path) -> str:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic in ZIP_MAGICS:
        return "zip"
    return "none"


@contextmanager
def open_text(path: Path, claims: Callable[[list[str]], bool]) -> Iterator[Opened]:
    """Open `path`; for a zip, `claims(head)` tells a genotype member from a README."""
    _check_readable(path)
    compression = sniff_compression(path)
    if compression == "zip":
        with _open_zip(path) as archive:
            member = _pick_member(path, archive, claims)
            with archive.open(member) as raw:
                yield _opened(path, raw, "zip", member.filename)
        return
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as raw:
        yield _opened(path, raw, compression, None)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the genotype file inside it")
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"{path}: the zip archive is truncated or damaged; download it again") from None


def _opened(path: Path, raw: BinaryIO, compression: str, member: str | None) -> Opened:
    text = _decode(path, raw)
    lines = _split_lines(path, text)
    head = list(itertools.islice(lines, HEAD_LINES))
    return Opened(compression, member, head, itertools.chain(head, lines))


def _split_lines(path: Path, text: io.TextIOWrapper) -> Iterator[str]:
    """Lines from fixed-size chunks, so a file that is one endless line, or a compression bomb,
    is refused before it can fill memory. (newline=None has turned every line end into \\n.)"""
    pending, total = "", 0
    while chunk := _read(path, text):
        total += len(chunk)
        if total > MAX_TEXT:
            raise InputError(f"{path}: decompresses to more than {MAX_TEXT >> 30} GiB of text, far more than "
                             f"any genotype download; refusing it (a damaged file or a compression bomb)")
        lines = (pending + chunk).split("\n")
        pending = lines.pop()
        if len(pending) > MAX_LINE:
            raise InputError(f"{path}: has a line longer than {MAX_LINE >> 20} Mi characters, which no genotype "
                             f"file has; check that this is the right file")
        yield from lines
    if pending:
        yield pending


def _decode(path: Path, raw: BinaryIO) -> io.TextIOWrapper:
    buffered = io.BufferedReader(raw) if not isinstance(raw, io.BufferedReader) else raw
    try:
        bom = buffered.peek(4)[:4]
    except (OSError, EOFError, zlib.error):
        raise InputError(f"{path}: the compressed data is truncated or damaged; download it again") from None
    encoding = "utf-16" if bom[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    # newline=None turns CRLF and lone CR into "\n"; undecodable bytes in comments must not stop us.
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline=None)


def _read(path: Path, text: io.TextIOWrapper) -> str:
    """The next chunk; a decompression failure mid-stream becomes one clear InputError."""
    try:
        return text.read(CHUNK)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
        raise InputError(f"{path}: the compressed data is truncated or damaged; download it again") from None


def _pick_member(path: Path, archive: zipfile.ZipFile, claims: Callable[[list[str]], bool]) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if _could_be_data(m)]
    if not members:
        raise InputError(f"{path}: the zip holds no data file; download the raw data again")
    encrypted = [m.filename for m in members if m.flag_bits & 0x1]
    if encrypted:
        raise InputError(f"{path}: {encrypted[0]} is password-protected; unzip it yourself and give the .txt file")
    if any(m.filename.startswith("xl/") or m.filename == "word/document.xml" for m in members):
        raise InputError(f"{path}: an Excel or Word document, not a genotype download; give the vendor's "
                         f"original file (or export the sheet as CSV)")
    huge = [m for m in members if m.file_size > MAX_TEXT]
    if huge:
        raise InputError(f"{path}: {huge[0].filename} would decompress to {huge[0].file_size >> 30} GiB, far more "
                         f"than any genotype download; refusing it (a compression bomb?)")
    if len(members) == 1:
        return members[0]
    genotype_files = [m for m in members if claims(_member_head(path, archive, m))]
    if len(genotype_files) == 1:
        return genotype_files[0]
    names = ", ".join(m.filename for m in (genotype_files or members))
    if genotype_files:
        raise InputError(f"{path}: the zip holds several genotype files ({names}); unzip it and give one of them")
    raise InputError(f"{path}: none of the files in the zip ({names}) is a recognised genotype file")


def _could_be_data(member: zipfile.ZipInfo) -> bool:
    name = member.filename
    base = name.rsplit("/", 1)[-1]
    return not (member.is_dir() or name.startswith("__MACOSX/") or base.startswith(".")
                or base.lower().endswith(_NOT_DATA_SUFFIXES))


def _member_head(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> list[str]:
    with archive.open(member) as raw:
        return list(itertools.islice(_opened(path, raw, "zip", member.filename).lines, HEAD_LINES))
