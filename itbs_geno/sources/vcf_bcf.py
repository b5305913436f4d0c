"""Limits on a BCF before htslib reads it: htslib allocates whatever a length field says (the
header's l_text, each record's l_shared + l_indiv, up to 4 GiB each) and reads that much.

The layout is that of the VCF specification §6.3 (BCF2): "BCF\\2\\x02", l_text, the header
text, then records, each with l_shared and l_indiv (uint32) before its data; the shared data
starts with CHROM (the contig's index) and POS (0-based), both int32.
"""

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.sources.vcf_scan import (
    MAX_HEADER,
    MAX_LINE,
    _damaged,
    _gunzipped,
    _plain,
)

_MAGIC = 5


def stream(path: Path, compression: str) -> Iterator[bytes]:
    """The uncompressed BCF, header and records, checked against the limits as it goes (for
    htslib to read through a pipe, so it never reads a record before it is checked)."""
    data = _Buffer(_plain(path) if compression == "none" else _gunzipped(path), path)
    magic, l_text = data.take(_MAGIC), data.uint32()
    if l_text > MAX_HEADER:
        raise InputError(f"{path}: the BCF header says it is {l_text:,} bytes long, far longer than any real "
                         f"header; the file is damaged, download it again")
    yield magic + struct.pack("<I", l_text) + data.take(l_text)
    batch, size = [], 0
    while data.more():
        batch.append(_record(path, data)[2])
        size += len(batch[-1])
        if size >= 1 << 20:                        # one write per MB, not per record
            yield b"".join(batch)
            batch, size = [], 0
    yield b"".join(batch)


def check_region(path: Path, start: int, contig: int, end: int) -> None:
    """Read, as htslib will through the index, from the virtual offset `start` to the first
    record past `end` (1-based) on the contig numbered `contig`, with the limits above."""
    data = _Buffer(_gunzipped(path, start >> 16, read=1 << 16), path)
    data.take(start & 0xFFFF)
    while data.more():
        chrom, pos, _ = _record(path, data)
        if chrom != contig or pos + 1 > end:
            return


def _record(path: Path, data: "_Buffer") -> tuple[int, int, bytes]:
    """(contig index, 0-based POS, the record's bytes)."""
    shared, individual = data.uint32(), data.uint32()
    if shared + individual > MAX_LINE:
        raise InputError(f"{path}: a BCF record says it is {shared + individual:,} bytes long, more than "
                         f"{MAX_LINE >> 20} MiB, far longer than any real record; the file is damaged, "
                         f"download it again")
    body = data.take(shared + individual)
    chrom, pos = struct.unpack_from("<ii", body) if shared >= 8 else (-1, -1)
    return chrom, pos, struct.pack("<II", shared, individual) + body


class _Buffer:
    """Bytes taken from a stream of chunks; a stream that ends mid-way is reported as damage."""

    def __init__(self, chunks: Iterator[bytes], path: Path):
        self.chunks, self.path, self.data, self.at = chunks, path, bytearray(), 0

    def more(self) -> bool:
        return self._fill(1)

    def take(self, n: int) -> bytes:
        if not self._fill(n):
            raise _damaged(self.path, EOFError("the BCF ends in the middle of a record"))
        self.at += n
        return bytes(self.data[self.at - n: self.at])

    def uint32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def _fill(self, n: int) -> bool:
        try:
            while len(self.data) - self.at < n:
                chunk = next(self.chunks, None)
                if chunk is None:
                    return False
                del self.data[: self.at]
                self.at = 0
                self.data += chunk
        except (OSError, EOFError, zlib.error) as err:
            raise _damaged(self.path, err) from None
        return True
