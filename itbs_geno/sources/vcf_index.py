"""Whether a .tbi/.csi index belongs to its VCF/BCF, checked before htslib trusts it.

htslib reads an index as it is: one made for another file, or before the file gained records,
sends it to offsets past the end (it then finds nothing, silently) or into the middle of a
compressed block (it then fails while closing). Here the index's last record must end in the
file's last BGZF data block, which is cheap to check and catches both: a file that grew after
its index was made, and an index made for a file of another length.

The formats are those of the SAM/BAM specification (§5.2 "The BAI index format", §5.3 CSI)
and the tabix specification; the index is a BGZF (gzip) file itself.
"""

import gzip
import struct
import zlib
from pathlib import Path


# BGZF's end-of-file marker: an empty block (SAM/BAM spec §4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
MAX_INDEX = 256 << 20          # a whole-genome gVCF's index is a few MB decompressed


class _Damaged(Exception):
    pass


def kind(path: Path) -> str | None:
    return next((k for k in ("csi", "tbi") if Path(f"{path}.{k}").exists()), None)


def older_than_data(path: Path, index: str) -> bool:
    """An index made before the file last changed (htslib tools warn: "The index file is older
    than the data file")."""
    return Path(f"{path}.{index}").stat().st_mtime < path.stat().st_mtime


def mismatch(path: Path, index: str) -> str | None:
    """Why the index cannot belong to the file (a data-quality warning), or None if it may."""
    name = f"{path.name}.{index}"
    if older_than_data(path, index):
        why = f"The index {name} is older than the file"
    else:
        try:
            end = _last_end(Path(f"{path}.{index}"))
            if end is None or _ends_in_last_block(path, end >> 16):
                return None
            why = f"The index {name} does not end where the file does (it was made for another file, or " \
                  f"before this one changed)"
        except (_Damaged, OSError, EOFError, zlib.error, struct.error):
            why = f"The index {name} is damaged"
    return f"{why}, so it was ignored and the whole file was read; rebuild it to read faster."


def _last_end(index: Path) -> int | None:
    """The largest virtual file offset at which an indexed record ends, or None if none is."""
    with gzip.open(index, "rb") as fh:
        data = fh.read(MAX_INDEX + 1)
    if len(data) > MAX_INDEX:
        raise _Damaged()
    reader = _Reader(data)
    magic = reader.take(4)
    if magic == b"TBI\x01":
        n_ref = reader.int32()
        reader.take(24)                                  # format, columns, meta char, skip
        reader.take(reader.int32())                      # contig names
        pseudo, has_loffset, linear = 37450, False, True
    elif magic == b"CSI\x01":
        reader.int32()                                   # min_shift
        depth = reader.int32()
        reader.take(reader.int32())                      # aux: the tabix header and names
        n_ref = reader.int32()
        pseudo, has_loffset, linear = ((1 << 3 * (depth + 1)) - 1) // 7 + 1, True, False
    else:
        raise _Damaged()
    end = None
    for _ in range(n_ref):
        for _ in range(reader.int32()):
            bin_number = reader.uint32()
            if has_loffset:
                reader.take(8)
            chunks = reader.int32()
            ends = struct.unpack_from(f"<{2 * chunks}Q", reader.take(16 * chunks)) if chunks >= 0 else None
            if ends is None:
                raise _Damaged()
            if bin_number != pseudo:                     # the pseudo-bin holds counts, not offsets
                end = max([end or 0, *ends[1::2]])
        if linear:
            reader.take(8 * reader.int32())
    return end


def _ends_in_last_block(path: Path, block: int) -> bool:
    """Whether `block` (a compressed offset) starts the file's last data block, or its EOF marker."""
    size = path.stat().st_size
    if block == size:
        return True
    with open(path, "rb") as fh:
        fh.seek(block)
        head = fh.read(18)
        if len(head) < 18 or head[:4] != b"\x1f\x8b\x08\x04" or head[12:14] != b"BC":
            return False
        after = block + int.from_bytes(head[16:18], "little") + 1
        fh.seek(after)
        return after == size or (after + len(BGZF_EOF) == size and fh.read() == BGZF_EOF)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise _Damaged()
        self.at += n
        return self.data[self.at - n: self.at]

    def int32(self) -> int:
        return struct.unpack("<i", self.take(4))[0]

    def uint32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]
