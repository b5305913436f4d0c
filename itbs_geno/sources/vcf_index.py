"""A .tbi/.csi index: whether it belongs to its VCF/BCF, and where htslib will start reading
through it, so that what it reads can be checked first.

htslib reads an index as it is: one made for another file, or before the file gained records,
sends it to offsets past the end (it then finds nothing, silently) or into the middle of a
compressed block (it then fails while closing). Here the index's last record must end in the
file's last BGZF data block, which is cheap to check and catches both; such an index is
ignored (the whole file is read) and the report says so.

The formats are those of the SAM/BAM specification (§5.2 "The BAI index format", §5.3 CSI)
and the tabix specification; the index is a BGZF (gzip) file itself.
"""

import gzip
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

# BGZF's end-of-file marker: an empty block (SAM/BAM spec §4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
MAX_INDEX = 256 << 20          # a whole-genome gVCF's index is a few MB decompressed


_INT, _U64 = struct.Struct("<i"), struct.Struct("<Q")
_TBI_BIN, _CSI_BIN = struct.Struct("<Ii"), struct.Struct("<IQi")    # bin, (CSI: its first record,) chunks


class _Damaged(Exception):
    pass


def kind(path: Path) -> str | None:
    return next((k for k in ("csi", "tbi") if Path(f"{path}.{k}").exists()), None)


def older_than_data(path: Path, index: str) -> bool:
    """An index made before the file last changed (htslib tools warn: "The index file is older
    than the data file")."""
    return Path(f"{path}.{index}").stat().st_mtime < path.stat().st_mtime


@dataclass
class _Contig:
    start: int | None = None        # virtual offset of its first record (from the pseudo-bin)
    linear: tuple[int, ...] = ()    # .tbi: the first record overlapping each 16 kb window
    bins: dict[int, int] = field(default_factory=dict)   # .csi: bin -> its first record


@dataclass
class Index:
    names: list[str]                # contig names, in the index's order (empty for a BCF's .csi)
    contigs: list[_Contig]
    end: int | None                 # where the last indexed record ends
    min_shift: int = 14
    depth: int = 5

    def start(self, contig: str, pos: int, names: list[str] | None = None) -> int | None:
        """A virtual offset at or before the first record htslib reads for `contig`:`pos` (1-based),
        found as htslib finds it (hts_itr_query), or None if the contig is not indexed. `names`:
        the contigs in the BCF header's order, for a BCF's index (which holds no names)."""
        names = names or self.names
        if contig not in names or names.index(contig) >= len(self.contigs):
            return None
        entry, window = self.contigs[names.index(contig)], (pos - 1) >> self.min_shift
        if entry.linear:
            offset = entry.linear[min(window, len(entry.linear) - 1)]
        else:
            level_start = ((1 << 3 * self.depth) - 1) // 7
            number = level_start + window
            while number and number not in entry.bins:   # the left-most bin that holds records
                parent_first = (((number - 1) >> 3) << 3) + 1
                number = number - 1 if number > parent_first else (number - 1) >> 3
            offset = entry.bins.get(number, 0)
        floor = entry.start or 0
        return floor if offset in (0, (1 << 64) - 1) else max(offset, floor)


def usable(path: Path, kind: str) -> tuple[Index | None, str | None]:
    """The index, if it may belong to the file; else None and a data-quality warning saying why."""
    name = f"{path.name}.{kind}"
    if older_than_data(path, kind):
        why = f"The index {name} is older than the file"
    else:
        try:
            index = _load(Path(f"{path}.{kind}"))
            if index.end is None or _ends_in_last_block(path, index.end >> 16):
                return index, None
            why = (f"The index {name} does not end where the file does (it was made for another file, or "
                   f"before this one changed)")
        except (_Damaged, OSError, EOFError, zlib.error, struct.error):
            why = f"The index {name} is damaged"
    return None, f"{why}, so it was ignored and the whole file was read; rebuild it to read faster."


def _load(index: Path) -> Index:
    with gzip.open(index, "rb") as fh:
        data = fh.read(MAX_INDEX + 1)
    if len(data) > MAX_INDEX:
        raise _Damaged()
    reader = _Reader(data)
    magic = reader.take(4)
    if magic == b"TBI\x01":
        n_ref = reader.int32()
        head = reader.take(28)                          # format, columns, meta, skip, names' length
        found = Index(_names(head + reader.take(struct.unpack_from("<i", head, 24)[0])), [], None)
        pseudo = 37450
    elif magic == b"CSI\x01":
        min_shift, depth = reader.int32(), reader.int32()
        aux = reader.take(reader.int32())               # a tabix header and the names (none for BCF)
        n_ref = reader.int32()
        found = Index(_names(aux) if len(aux) >= 28 else [], [], None, min_shift, depth)
        pseudo = ((1 << 3 * (depth + 1)) - 1) // 7 + 1
    else:
        raise _Damaged()
    # The bins are most of the index (a whole genome's is ~1 MB, ~40,000 bins): read them in place,
    # without copies, with one precompiled unpack per bin and one more for its last chunk's end.
    data, at, csi = reader.data, reader.at, magic == b"CSI\x01"
    bin_head = _CSI_BIN if csi else _TBI_BIN
    head_size, size = bin_head.size, len(data)
    end = -1
    for _ in range(n_ref):
        entry = _Contig()
        (bins,) = _INT.unpack_from(data, at)
        at += 4
        for _ in range(bins):
            if csi:
                number, first, chunks = bin_head.unpack_from(data, at)
                entry.bins[number] = first
            else:
                number, chunks = bin_head.unpack_from(data, at)
            at += head_size
            if chunks < 0 or at + 16 * chunks > size:
                raise _Damaged()
            if number == pseudo:                        # the pseudo-bin: the contig's extent, then counts
                entry.start = _U64.unpack_from(data, at)[0] if chunks else None
            elif chunks == 1:                           # the usual bin
                (last,) = _U64.unpack_from(data, at + 8)
                end = max(end, last)
            elif chunks:
                end = max(end, *struct.unpack_from(f"<{2 * chunks}Q", data, at)[1::2])
            at += 16 * chunks
        if not csi:
            (count,) = _INT.unpack_from(data, at)
            if count < 0 or at + 4 + 8 * count > size:
                raise _Damaged()
            entry.linear = struct.unpack_from(f"<{count}Q", data, at + 4)
            at += 4 + 8 * count
        found.contigs.append(entry)
    found.end = None if end < 0 else end
    return found


def _names(header: bytes) -> list[str]:
    """The contig names after a tabix header (format, columns, meta, skip, l_nm), NUL-separated."""
    length = struct.unpack_from("<i", header, 24)[0]
    return [n.decode("utf-8", "replace") for n in header[28: 28 + max(length, 0)].split(b"\0") if n]


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
