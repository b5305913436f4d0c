"""The hostile-input fuzzer: seeds, a table of mutators, containers, one runner and one report.

A case is a seed file (a format fixture, a VCF, a lab sheet) changed by a few mutators, wrapped
in a container (plain, gzip, zip with header mutations, bgzip+tbi, BCF) and run through one
command (call, report, inspect, batch, or report --labs SHEET). Every case runs in a forked child
(the CLI already imported, so a case costs milliseconds, not an interpreter start), killed after
TIME_BOUND; the parent reads the exit code and the peak RSS from os.wait4.

The rule checked for every case: exit 0 or 2 (batch: 0, 2 or 3), at most one line on stderr
(batch: one per failed input plus its summary), no traceback, no control characters on the
terminal, no output left behind after a refusal, strictly valid JSON, within 10 s + size/10 MB/s
and 500 MB.

Used by tests/test_fuzz.py (a bounded seeded run) and benchmarks/fuzz_long.py (a long run)."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import io
import json
import os
import random
import re
import shutil
import signal
import struct
import sys
import time
import traceback
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MEMORY_BOUND = 500 << 20                  # peak RSS, bytes
# A case is a hang when it uses more CPU time than its bound (so other work on the machine cannot make
# a slow case look hung), or is still running at 3 times its bound in wall time (blocked on something).
KILL_AFTER = 3
SECONDS_BASE, BYTES_PER_SECOND = 10.0, 10 << 20


SECONDS_PER_REPORT = 0.02                 # a batch writes one report per VCF sample (~11 ms of CPU each)


def time_bound(size: int, reports: int = 1) -> float:
    """10 s plus 1 s per 10 MB of input (size on disk, so a sparse 2 GB file gets no extra time), plus
    20 ms per report a batch must write beyond the first: 3,000 samples are 3,000 reports, real work."""
    return SECONDS_BASE + size / BYTES_PER_SECOND + SECONDS_PER_REPORT * max(0, reports - 1)


def vcf_samples(data: bytes) -> int:
    """The samples a (possibly gzipped) VCF's #CHROM line names; 0 for anything else."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(31).decompress(data, 64 << 20)
        except zlib.error:
            return 0
    start = data.find(b"\n#CHROM")
    if start < 0:
        return 0
    line = data[start + 1:data.find(b"\n", start + 1) if data.find(b"\n", start + 1) > 0 else len(data)]
    return max(0, line.count(b"\t") - 8)


# ---------------------------------------------------------------- seeds

@functools.cache
def seeds() -> dict[str, bytes]:
    """Genotype files every mutator starts from: the vendor fixtures, two VCFs, a full-size export."""
    from vcf_factory import Vcf
    found = {p.name: p.read_bytes() for p in sorted((TESTS / "data" / "formats").iterdir())}
    found["synthetic_23andme.txt"] = (ROOT / "sample_genomes" / "synthetic_23andme.txt").read_bytes()
    found["person.vcf"] = Vcf().text().encode()
    found["person38_chr.vcf"] = Vcf(chr_prefix=True, ids=True, samples=["S1", "S2"]).text().encode()
    return found


LAB_SHEET = (ROOT / "sample_genomes" / "sample_labs.csv").read_bytes()
LAB_GENOME = "23andme_v5_genotype_column.txt"      # the valid genome a lab-sheet case is reported with
PANEL_ROWS = [b"rs1815739\t11\t66328095\tTT", b"rs12722,9,137734416,CT", b"11\t66560624\t.\tC\tT\t.\t.\t.\tGT\t0/1"]


# ---------------------------------------------------------------- text mutators (bytes, rng) -> bytes

def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _data_line(lines: list[bytes], rng: random.Random) -> int:
    """A random line that is not a header or comment (any line if there is none)."""
    rows = [i for i, line in enumerate(lines) if line.strip() and b"\x00REPEAT" not in line
            and not line.lstrip(b'"').startswith((b"#", b"rsid", b"RSID"))]
    return rng.choice(rows) if rows else rng.randrange(len(lines))


def _separator(line: bytes) -> bytes:
    return b"\t" if b"\t" in line else b"," if b"," in line else b" "


def _edit_field(data: bytes, rng: random.Random, change: Callable[[bytes, random.Random], bytes],
                numeric: bool = True) -> bytes:
    """Apply `change` to one field (a numeric one when there is one) of a random data line."""
    lines = _lines(data)
    i = _data_line(lines, rng)
    sep = _separator(lines[i])
    fields = lines[i].split(sep)
    digits = [k for k, f in enumerate(fields) if f.strip(b'" ').isdigit()]
    k = rng.choice(digits) if numeric and digits else rng.randrange(len(fields))
    fields[k] = change(fields[k], rng)
    lines[i] = sep.join(fields)
    return b"\n".join(lines)


def truncate(data, rng):
    return data[: rng.randint(0, len(data))]


def flip(data, rng):
    if not data:
        return data
    data = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def insert(data, rng):
    lines = _lines(data)
    junk = rng.choice([b"", b"#", *PANEL_ROWS, b"\x00\x01\x02", "\u00e9\u00e8".encode("latin-1"), b"a" * 300])
    lines.insert(rng.randint(0, len(lines)), junk)
    return b"\n".join(lines)


def shuffle(data, rng):
    lines = _lines(data)
    i = rng.randrange(len(lines))
    sep = _separator(lines[i])
    fields = lines[i].split(sep)
    rng.shuffle(fields)
    lines[i] = sep.join(fields)
    return b"\n".join(lines)


def endings(data, rng):
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n"]))


def duplicate(data, rng):
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def delete(data, rng):
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


# Digits str.isdigit() accepts, some of which int() rejects: superscripts, Arabic-Indic, fullwidth, ...
UNICODE_DIGITS = ["\u00b2", "\u00b9", "\u2075", "\u0663", "\u06f7", "\uff13", "\u0967", "\u2460", "\U0001d7d9"]


def unicode_digit(data, rng):
    def change(field, rng):
        text = field.decode("utf-8", "replace")
        k = rng.randrange(len(text)) if text else 0
        return (text[:k] + rng.choice(UNICODE_DIGITS) + text[k + 1:]).encode()
    return _edit_field(data, rng, change)


def huge_number(data, rng):
    digits = rng.choice([4301, 5000, 20000])
    return _edit_field(data, rng, lambda f, r: b"9" * digits if r.random() < 0.5 else b"1" + b"0" * digits)


def long_field(data, rng):
    """A field of 64 KiB-1.2 MiB: past htslib's and our own line-length assumptions."""
    size = rng.choice([70_000, 66_000, 300_000, 1_100_000])
    return _edit_field(data, rng, lambda f, r: f + r.choice([b"A", b"X=1;", b"\t", b","]) * (size // 4 + 1),
                       numeric=False)


def nul_run(data, rng):
    lines = _lines(data)
    i = _data_line(lines, rng)
    run = b"\x00" * rng.choice([1, 1000, 70_000, 2_000_000])
    lines[i] = lines[i] + run if rng.random() < 0.5 else run + lines[i]
    return b"\n".join(lines)


ESCAPES = [b"\x1b]0;pwned\x07", b"\x1b[2J", b"\x1b[31mred\x1b[0m", b"\x9b2J", b"\x1bP+q\x1b\\", b"\x08\x08\x08"]


def escapes(data, rng):
    """Terminal control sequences where an error message may quote them: the first line, a name."""
    seq = rng.choice(ESCAPES)
    lines = _lines(data)
    i = 0 if rng.random() < 0.6 else rng.randrange(len(lines))
    lines[i] = seq + lines[i] if rng.random() < 0.5 else lines[i] + seq
    return b"\n".join(lines)


def bidi_names(data, rng):
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i].replace(b"\t", rng.choice(["\u202e\t", "\u200b\t", "\t\u2066"]).encode(), 1)
    return b"\n".join(lines)


# ---------------------------------------------------------------- VCF mutators

def _vcf_records(data: bytes) -> tuple[list[bytes], int, list[int]]:
    lines = _lines(data)
    chrom = next((i for i, line in enumerate(lines) if line.startswith(b"#CHROM")), -1)
    records = [i for i, line in enumerate(lines) if i > chrom >= 0 and line.strip()]
    return lines, chrom, records


def huge_info(data, rng):
    lines, _, records = _vcf_records(data)
    if not records:
        return long_field(data, rng)
    i = rng.choice(records)
    fields = lines[i].split(b"\t")
    if len(fields) > 7:
        fields[7] = b"X=" + b"A" * rng.choice([70_000, 200_000]) + b";DP=1"
    lines[i] = b"\t".join(fields)
    return b"\n".join(lines)


def many_samples(data, rng):
    """Thousands of samples: 3,000 with GT:AD:DP:GQ:PL, or 17,000 GT-only (lines over 64 KiB)."""
    lines, chrom, records = _vcf_records(data)
    if chrom < 0:
        return data
    n, fmt, value = rng.choice([(3000, b"GT:AD:DP:GQ:PL", b"0/1:10,12:22:99:300,0,280"), (17000, b"GT", b"0/1"),
                                (500, b"GT:DP", b"./.:0")])
    head = lines[chrom].split(b"\t")[:9]
    if len(head) < 9:
        head.append(b"FORMAT")
    lines[chrom] = b"\t".join(head + [b"S%d" % k for k in range(n)])
    for i in records:
        fields = lines[i].split(b"\t")[:8] + [fmt]
        lines[i] = b"\t".join(fields + [value] * n)
    return b"\n".join(lines)


def huge_end(data, rng):
    lines, _, records = _vcf_records(data)
    if not records:
        return data
    i = rng.choice(records)
    fields = lines[i].split(b"\t")
    if len(fields) > 7:
        end = rng.choice([b"9" * 5000, b"9223372036854775808", b"2147483648", b"-5", b"\xc2\xb2"])
        fields[7] = b"END=" + end
    lines[i] = b"\t".join(fields)
    return b"\n".join(lines)


def gvcf_blocks(data, rng):
    """Reference blocks (<NON_REF>, END) spanning the panel sites, some with very long lines."""
    lines, _, records = _vcf_records(data)
    for i in records:
        fields = lines[i].split(b"\t")
        if len(fields) > 8 and rng.random() < 0.5:
            digits = fields[1].isascii() and fields[1].isdigit() and len(fields[1]) <= 12
            fields[1] = str(max(1, int(fields[1]) - rng.randint(0, 50)) if digits else 1).encode()
            fields[4], fields[7] = b"<NON_REF>", b"END=%d" % rng.randint(1, 10**9)
            lines[i] = b"\t".join(fields)
    return b"\n".join(lines)


# ---------------------------------------------------------------- scale mutators (small on disk once gzipped)

def repeat(unit: bytes, times: int) -> bytes:
    """A placeholder for `unit` repeated `times` times, which the gzip and zip containers compress
    in milliseconds by repeating one compressed block (a plain file gets it written out)."""
    return b"\x00REPEAT %d\x00%s\x00END\x00" % (times, unit)


REPEAT = re.compile(rb"\x00REPEAT (\d+)\x00(.*?)\x00END\x00", re.DOTALL)


def duplicate_rows(data, rng):
    """A panel row repeated 10^5-10^6 times (2 million in the issue: 122 KB once gzipped)."""
    lines = _lines(data)
    i = _data_line(lines, rng)
    times = rng.choice([100_000, 300_000, 1_000_000, 2_000_000])
    return b"\n".join(lines[:i]) + b"\n" + repeat(lines[i] + b"\n", times) + b"\n".join(lines[i:])


def blank_lines(data, rng):
    """A bomb of blank or comment lines before the data rows: 64 MiB to 1 GiB in a ~1 MB gzip."""
    lines = _lines(data)
    i = _data_line(lines, rng)
    unit = rng.choice([b"\n", b"\n", b"#\n", b"\r\n"])
    return b"\n".join(lines[:i]) + b"\n" + repeat(unit, (rng.choice([64, 256, 1024]) << 20) // len(unit)) \
        + b"\n".join(lines[i:])


SCALE = {"duplicate_rows", "blank_lines"}


# ---------------------------------------------------------------- lab-sheet mutators

LAB_VALUES = ["1e307", "1e306", "1e308", "9e999", "NaN", "nan", "inf", "-inf", "-1", "-0", "0", "1_5", "0x10",
              "1,5", "1.5.1", "٣", "²", "３", "1" + "0" * 5000, "<0.1", ">1e306", "1e-320", " ", "+5", "5%"]
LAB_DATES = ["9999-12-31", "0001-01-01", "2026-W37-2", "2026W372", "20260915", "2026-02-30", "2026-09-15T10:00",
             "2026/09/15", "٢٠٢٦-٠٩-١٥", "2026-13-01", "15/09/2026", "9999-12-31T23:59:59"]


# Text float() and date.fromisoformat() accept but no lab writes: must be refused, not read as 15 or a date.
MUST_REFUSE = ["1_5", "2026-W37-2", "2026W372", "\u0663", "\u00b2", "\uff13", "\u0662\u0660"]


def _lab_rows(data: bytes) -> list[list[str]]:
    import csv
    return list(csv.reader(io.StringIO(data.decode("utf-8", "replace"))))


def _lab_bytes(rows: list[list[str]]) -> bytes:
    import csv
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _lab_cell(data, rng, columns: tuple[str, ...], values: list[str]) -> bytes:
    rows = _lab_rows(data)
    if len(rows) < 2:
        return data
    header = [h.strip().lower() for h in rows[0]]
    r = rng.randrange(1, len(rows))
    for name in columns:
        if name not in header:
            continue
        c = header.index(name)
        while len(rows[r]) <= c:
            rows[r].append("")
        rows[r][c] = rng.choice(values)
    return _lab_bytes(rows)


def lab_value(data, rng):
    return _lab_cell(data, rng, (rng.choice(["value", "value", "ref_low", "ref_high"]),), LAB_VALUES)


RANGES = [("1e306", "1e307"), ("0", "1e308"), ("1e-300", "1e-299"), ("0", "0"), ("1e307", "1e307"), ("nan", "inf"),
          ("5", "1e306"), ("-1", "1e300"), ("80", "15")]


def lab_range(data, rng):
    """The lab's own range, extreme, on a marker judged against it (P1NP, CTX-I) or another."""
    rows = _lab_rows(data)
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if len(rows) < 2 or "ref_low" not in header or "ref_high" not in header:
        return data
    ranged = [i for i, r in enumerate(rows[1:], 1) if r and r[0].strip().upper() in ("P1NP", "CTX-I")]
    r = rng.choice(ranged) if ranged and rng.random() < 0.7 else rng.randrange(1, len(rows))
    rows[r] += [""] * (len(header) - len(rows[r]))
    rows[r][header.index("ref_low")], rows[r][header.index("ref_high")] = rng.choice(RANGES)
    if rows[r][0].strip().upper() == "CTX-I" and "unit" in header and rng.random() < 0.5:
        rows[r][header.index("unit")], rows[r][header.index("value")] = "ng/mL", "0.72"   # x1000 into pg/mL
    return _lab_bytes(rows)


def lab_date(data, rng):
    return _lab_cell(data, rng, ("date",), LAB_DATES)


def lab_newline(data, rng):
    text = rng.choice(["Ferritin\nError: forged line", "hs-CRP\r\n", "Omega-3 Index\n\n", "CTX\n" + "x" * 300])
    return _lab_cell(data, rng, (rng.choice(["marker", "unit", "value", "athlete"]),), [text])


def lab_escape(data, rng):
    return _lab_cell(data, rng, ("marker", "unit"), [s.decode("latin-1") + "Ferritin" for s in ESCAPES])


def lab_encoding(data, rng):
    choice = rng.randrange(4)
    if choice == 0:
        return data.decode("utf-8", "replace").encode("utf-16")
    if choice == 1:
        return b"\xef\xbb\xbf" + data
    if choice == 2:
        return data.decode("utf-8", "replace").encode("utf-16-be")
    return data.replace(b"\xc2\xb5", b"\xb5")                # latin-1 micro sign in a UTF-8 sheet


def lab_header(data, rng):
    rows = _lab_rows(data)
    if rows:
        choice = rng.randrange(4)
        if choice == 0:
            rows[0] = rows[0] + rows[0][:2]                 # duplicated columns
        elif choice == 1:
            rows[0] = [h.upper() + " " for h in rows[0]]
        elif choice == 2:
            rows[0] = rows[0] + ["athlete"]
            rows[1:] = [r + [rng.choice(["team", "A" * 300, "CON", "..", "\u202eevil"])] for r in rows[1:]]
        else:
            rows[0] = rows[0][::-1]
    return _lab_bytes(rows)


def lab_many_rows(data, rng):
    lines = _lines(data)
    return b"\n".join(lines[:1] + lines[1:2] * rng.choice([1_000, 20_000, 100_000]) + lines[1:])


# ---------------------------------------------------------------- the table

# family -> {name: mutator}; a case draws its mutators from one family (and sometimes a classic one).
MUTATORS: dict[str, dict[str, Callable[[bytes, random.Random], bytes]]] = {
    "classic": {f.__name__: f for f in (truncate, flip, insert, shuffle, endings, duplicate, delete)},
    "numbers": {f.__name__: f for f in (unicode_digit, huge_number)},
    "escapes": {f.__name__: f for f in (escapes, bidi_names)},
    "lines": {f.__name__: f for f in (long_field, nul_run)},
    "vcf": {f.__name__: f for f in (huge_info, many_samples, huge_end, gvcf_blocks, unicode_digit, huge_number)},
    "scale": {f.__name__: f for f in (duplicate_rows, blank_lines)},
    "labs": {f.__name__: f for f in (lab_value, lab_range, lab_date, lab_newline, lab_escape, lab_encoding,
                                     lab_header, lab_many_rows)},
}
FAMILIES = ["classic", "numbers", "escapes", "lines", "vcf", "scale", "labs", "zip", "index"]
WEIGHTS = [3, 2, 1, 1, 2, 0.3, 3, 3, 1]


# ---------------------------------------------------------------- containers

def expand(data: bytes) -> bytes:
    return REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), data)


def deflate_parts(data: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, size) of `data` with its repeats expanded: each repeat is one
    byte-aligned block (a full flush) of ~1 MiB written many times, so a GiB costs milliseconds."""
    stream, crc, size = b"", 0, 0
    pieces = REPEAT.split(data)                  # literal, times, unit, literal, ...
    for k in range(0, len(pieces), 3):
        literal = pieces[k]
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        stream += c.compress(literal) + c.flush(zlib.Z_FULL_FLUSH)
        crc, size = zlib.crc32(literal, crc), size + len(literal)
        if k + 1 < len(pieces):
            times, unit = int(pieces[k + 1]), pieces[k + 2]
            per_block = max(1, (1 << 20) // max(len(unit), 1))
            blocks, rest = divmod(times, per_block)
            block = unit * per_block
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            stream += (c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)) * blocks
            for _ in range(blocks):
                crc = zlib.crc32(block, crc)
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            stream += c.compress(unit * rest) + c.flush(zlib.Z_FULL_FLUSH)
            crc, size = zlib.crc32(unit * rest, crc), size + len(unit) * times
    return stream + b"\x03\x00", crc, size         # an empty final block ends the stream


def gzip_bytes(data: bytes) -> bytes:
    stream, crc, size = deflate_parts(data)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + stream + struct.pack("<II", crc, size & 0xFFFFFFFF)


@dataclasses.dataclass
class Member:
    """One zip member as written: every header field can lie."""
    name: bytes
    payload: bytes                         # the compressed bytes stored
    crc: int
    size: int
    method: int = 8
    flags: int = 0
    local_name: bytes | None = None
    local_flags: int | None = None
    declared_size: int | None = None       # uncompressed size written in the headers
    declared_csize: int | None = None
    zip64: bool = False
    extra: bytes = b""


def zip_bytes(members: list[Member], comment: bytes = b"") -> bytes:
    """A zip archive written field by field (zipfile cannot write lies)."""
    out, central = bytearray(), bytearray()
    for m in members:
        usize = m.size if m.declared_size is None else m.declared_size
        csize = len(m.payload) if m.declared_csize is None else m.declared_csize
        extra = m.extra
        if m.zip64:
            extra += struct.pack("<HHQQ", 1, 16, usize, csize)
            usize = csize = 0xFFFFFFFF
        offset = len(out)
        local = m.name if m.local_name is None else m.local_name
        flags = m.flags if m.local_flags is None else m.local_flags
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45 if m.zip64 else 20, flags, m.method, 0, 0x21,
                           m.crc, csize & 0xFFFFFFFF, usize & 0xFFFFFFFF, len(local), len(extra)) + local + extra
        out += m.payload
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x031E, 45 if m.zip64 else 20, m.flags,
                               m.method, 0, 0x21, m.crc, csize & 0xFFFFFFFF, usize & 0xFFFFFFFF, len(m.name),
                               len(extra), 0, 0, 0, 0o644 << 16, offset) + m.name + extra
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out),
                      len(comment))
    return bytes(out + central + end + comment)


def _member(name: bytes, data: bytes) -> Member:
    return Member(name, *deflate_parts(data))


# zip mutations: name -> change to the data member (and the member list)
def _zip_crc(m, rng, members):
    m.crc ^= 1 << rng.randrange(32)


def _zip_payload_flip(m, rng, members):
    if m.payload:
        p = bytearray(m.payload)
        p[rng.randrange(len(p))] ^= 1 << rng.randrange(8)
        m.payload = bytes(p)


def _zip_method(m, rng, members):
    m.method = rng.choice([9, 9, 12, 14, 93, 95, 98, 99, 1, 6, 0, 7, 65535])


def _zip_flags(m, rng, members):
    bit = 1 << rng.choice([0, 3, 5, 6, 11, 13])
    where = rng.choice(["central", "local", "both"])
    local = m.flags | bit if where != "central" else m.flags
    if where != "local":
        m.flags |= bit
    m.local_flags = local


def _zip_local_name(m, rng, members):
    m.name, m.local_name = rng.choice([(b"/./../x.txt", b"../../x.txt"), (b"genome.txt", b"other.txt"),
                                       (b"genome.txt", b"GENOME.TXT"), (b"a.txt", b"a.txt\x00evil")])


def _zip_zip64(m, rng, members):
    m.zip64 = True
    if rng.random() < 0.3:
        m.declared_size = rng.choice([5 << 30, 1 << 63, 1])


def _zip_sizes(m, rng, members):
    choice = rng.randrange(4)
    if choice == 0:
        m.declared_size = rng.choice([0, 1, m.size // 2, m.size * 2, 0xFFFFFFFE])
    elif choice == 1:
        m.declared_csize = rng.choice([0, len(m.payload) // 2, len(m.payload) + 100])
    elif choice == 2:
        m.method, m.payload = 0, m.payload            # "stored", but the bytes are deflated
    else:
        m.declared_size = m.declared_csize = 0xFFFFFFFF


def _zip_names(m, rng, members):
    seq = rng.choice(ESCAPES)
    m.name = rng.choice([seq + b"genome.txt", b"../" * 20 + b"etc/passwd", b"CON.txt", b"\xff\xfe.txt",
                         "\u202etxt.exe".encode()])
    if rng.random() < 0.5:
        members.append(dataclasses.replace(m, name=seq + b"second.txt"))


def _zip_extra(m, rng, members):
    m.extra = rng.choice([b"\x01\x00\x04\x00abcd", b"\xff\xff\xff\xff", b"UT\x05\x00\x01\x00\x00\x00\x00",
                          b"\x01\x00\x30\x00" + b"\xff" * 48])


ZIP_MUTATORS = {f.__name__[5:]: f for f in (_zip_crc, _zip_payload_flip, _zip_method, _zip_flags,
                                            _zip_local_name, _zip_zip64, _zip_sizes, _zip_names, _zip_extra)}


# ---------------------------------------------------------------- cases

@dataclasses.dataclass
class Case:
    id: int
    family: str
    seed_name: str
    mutations: list[str]
    container: str                         # plain | gzip | zip | bgzip+tbi | bcf
    command: str                           # call | report | inspect | batch | labs
    files: dict[str, bytes]                # written into the case's folder; the first is the input
    sparse_tail: int = 0                   # bytes of NUL appended as a hole (the file is sparse on disk)
    must_refuse: str = ""                  # a lab sheet holding this text must give exit 2
    repeated: int = 0                      # bytes the gzip/zip repeats expand to

    def describe(self) -> str:
        extra = f", {self.repeated >> 20} MiB once decompressed" if self.repeated else ""
        extra += f", {self.sparse_tail >> 20} MiB sparse NUL tail" if self.sparse_tail else ""
        return (f"case {self.id}: {self.command} on {self.seed_name} [{', '.join(self.mutations) or 'unchanged'}]"
                f" in {self.container}{extra}")


def make_case(case_id: int, family: str | None = None) -> Case:
    """The case for an id: deterministic, so a failure is re-made from its id alone."""
    rng = random.Random(case_id)
    family = family or rng.choices(FAMILIES, WEIGHTS)[0]
    if family == "labs":
        return _labs_case(case_id, rng)
    names = sorted(seeds())
    vcfs = [n for n in names if n.endswith(".vcf")]
    seed_name = rng.choice(vcfs if family in ("vcf", "index") else names)
    data, mutations = seeds()[seed_name], []
    table = MUTATORS.get(family, MUTATORS["classic"])
    for _ in range(1 if family == "scale" else rng.randint(1, 2) if family in ("lines", "vcf") else rng.randint(1, 3)):
        name = rng.choice(sorted(table))
        data = table[name](data, rng)
        mutations.append(name)
    if family not in ("classic", "scale", "labs") and rng.random() < 0.3:
        name = rng.choice(sorted(MUTATORS["classic"]))
        data = MUTATORS["classic"][name](data, rng)
        mutations.append(name)
    command = rng.choice(["call", "report", "inspect", "call", "report", "inspect", "batch"])
    case = Case(case_id, family, seed_name, mutations, "plain", command, {})
    case.repeated = sum(len(u) * int(t) for t, u in REPEAT.findall(data))
    if "nul_run" in mutations and rng.random() < 0.3:
        case.sparse_tail = rng.choice([64 << 20, 2 << 30])
    container = _container(family, rng, case)
    suffix = seed_name.rsplit(".", 1)[-1]
    if container == "plain":
        case.files = {f"input.{suffix}": expand(data)}
    elif container == "gzip":
        case.files = {f"input.{suffix}.gz": _gzip_mutated(gzip_bytes(data), rng, mutations)}
    elif container == "zip":
        case.files = {"input.zip": _zip_case(data, rng, mutations, family == "zip")}
    else:
        case.files = _index_case(seed_name, data, container, rng, mutations)
    case.container = container
    return case


def _container(family: str, rng: random.Random, case: Case) -> str:
    if family == "zip":
        return "zip"
    if family == "index":
        return rng.choice(["bgzip+tbi", "bgzip+tbi", "bcf"])
    if family == "scale":
        return rng.choice(["gzip", "zip"])
    if case.sparse_tail:
        return "plain"
    return rng.choices(["plain", "gzip", "zip"], [6, 2, 2])[0]


def _gzip_mutated(data: bytes, rng: random.Random, mutations: list[str]) -> bytes:
    if rng.random() < 0.8:
        return data
    choice = rng.randrange(3)
    mutations.append(["gzip_trailer", "gzip_trailing_junk", "gzip_two_members"][choice])
    if choice == 0:
        return data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:]
    if choice == 1:
        return data + rng.choice([b"\x00" * 512, b"junk", b"\x1f\x8b"])
    return data + data


def _zip_case(data: bytes, rng: random.Random, mutations: list[str], mutate: bool) -> bytes:
    member = _member(b"genome.txt", data)
    members = [member]
    if rng.random() < 0.2:
        members.append(_member(b"README.pdf", b"%PDF-1.4 not data"))
    if mutate:
        for _ in range(rng.randint(1, 2)):
            name = rng.choice(sorted(ZIP_MUTATORS))
            ZIP_MUTATORS[name](member, rng, members)
            mutations.append(f"zip_{name}")
    return zip_bytes(members)


def _index_case(seed_name: str, data: bytes, container: str, rng: random.Random, mutations: list[str]) -> dict:
    """A bgzipped VCF with a .tbi (its own, another file's, or one made before the data changed), or a
    BCF whose decompressed bytes were mutated."""
    import tempfile

    import pysam
    pysam.set_verbosity(0)                     # htslib's complaints about a mutant are expected here
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "x.vcf"
        other = container == "bcf" or rng.random() < 0.5
        plain.write_bytes(seeds()[seed_name] if other else data)
        if container != "bcf" and rng.random() < 0.3:
            plain.write_bytes(_filler_vcf(seeds()[seed_name], rng.choice([2_000, 30_000])))
            other = True
        try:
            if container == "bcf":
                out = Path(tmp) / "x.bcf"
                with pysam.VariantFile(str(plain)) as src, pysam.VariantFile(str(out), "wb", header=src.header) as dst:
                    for record in src:
                        dst.write(record)
                name = rng.choice(["flip", "truncate", "none"])
                raw = gzip.decompress(out.read_bytes())
                raw = raw if name == "none" else MUTATORS["classic"][name](raw, rng)
                how = rng.choice(["bgzf", "bgzf", "gzip", "uncompressed"])   # htslib reads all three
                mutations.append(f"bcf_{name}_{how}")
                (Path(tmp) / "raw").write_bytes(raw)
                pysam.tabix_compress(str(Path(tmp) / "raw"), str(Path(tmp) / "m.bcf"), force=True)
                packed = {"bgzf": (Path(tmp) / "m.bcf").read_bytes(), "gzip": gzip.compress(raw, mtime=0),
                          "uncompressed": raw}[how]
                return {"input.bcf": packed}
            pysam.tabix_compress(str(plain), str(plain) + ".gz", force=True)
            pysam.tabix_index(str(plain) + ".gz", preset="vcf", force=True)
            tbi = (Path(tmp) / "x.vcf.gz.tbi").read_bytes()
        except (OSError, ValueError):
            mutations.append("unindexable")
            return {"input.vcf.gz": gzip_bytes(data)}
        plain.write_bytes(data)
        pysam.tabix_compress(str(plain), str(plain) + ".gz", force=True)
        if other and data != seeds()[seed_name]:
            mutations.append("tbi_of_another_file")
        if rng.random() < 0.3:                 # offsets moved: flip bytes inside the decompressed index
            (Path(tmp) / "tbi").write_bytes(MUTATORS["classic"]["flip"](gzip.decompress(tbi), rng))
            pysam.tabix_compress(str(Path(tmp) / "tbi"), str(Path(tmp) / "tbi.gz"), force=True)
            tbi = (Path(tmp) / "tbi.gz").read_bytes()
            mutations.append("tbi_flip")
        return {"input.vcf.gz": (Path(tmp) / "x.vcf.gz").read_bytes(), "input.vcf.gz.tbi": tbi}


def _filler_vcf(vcf: bytes, records: int) -> bytes:
    """The VCF with `records` more records around its own, so its index has other offsets."""
    lines, _, existing = _vcf_records(vcf)
    rows = [lines[i] for i in existing]
    chroms = sorted({r.split(b"\t")[0] for r in rows}) or [b"1"]
    filler = [b"%s\t%d\t.\tA\tG\t50\tPASS\t.\tGT\t0/1" % (chroms[k % len(chroms)], 1000 + 997 * k)
              for k in range(records)]
    header = [line for line in lines if line.startswith(b"#")]
    return b"\n".join(header + sorted(rows + filler, key=_chrom_pos)) + b"\n"


def _chrom_pos(record: bytes) -> tuple[bytes, int]:
    chrom, pos = record.split(b"\t")[:2]
    return chrom, int(pos) if pos.isdigit() else 0


def _labs_case(case_id: int, rng: random.Random) -> Case:
    data, mutations = LAB_SHEET, []
    table = MUTATORS["labs"]
    names = [rng.choice(sorted(table)) for _ in range(rng.randint(1, 3))]
    for name in sorted(names, key=lambda n: n == "lab_many_rows"):     # the big one last: cheap to make
        data = table[name](data, rng)
        mutations.append(name)
    command = "labs" if rng.random() < 0.85 else "batch-labs"
    text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace")
    must_refuse = next((t for t in MUST_REFUSE if t in text), "")
    return Case(case_id, "labs", "sample_labs.csv", mutations, "plain", command,
                {"labs.csv": data, LAB_GENOME: seeds()[LAB_GENOME]}, must_refuse=must_refuse)


# ---------------------------------------------------------------- running one case in a forked child

@dataclasses.dataclass
class Outcome:
    case: Case
    exit: int | None                       # None: killed by us (hang or memory)
    seconds: float
    peak_rss: int                          # bytes
    stderr: str
    problems: list[str]                    # one cause per broken promise; empty when all is well
    folder: Path


def argv(case: Case, folder: Path) -> list[str]:
    first = str(folder / next(iter(case.files)))
    out = folder / "out"
    if case.command == "call":
        return ["call", "--json", first]
    if case.command == "inspect":
        return ["inspect", first]
    if case.command == "report":
        return ["report", first, "-o", str(out / "r.html"), "--json", str(out / "r.json")]
    if case.command == "labs":
        return ["report", str(folder / LAB_GENOME), "--labs", first, "-o", str(out / "r.html"),
                "--json", str(out / "r.json")]
    if case.command == "batch-labs":
        return ["batch", str(folder / LAB_GENOME), "--labs", first, "-o", str(out), "--jobs", "1", "-q"]
    return ["batch", first, "-o", str(out), "--jobs", "1", "-q"]


def write_case(case: Case, folder: Path) -> int:
    """Write the case's files; returns their size on disk (bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "out").mkdir(exist_ok=True)
    for name, data in case.files.items():
        path = folder / name
        path.write_bytes(data)
        if case.sparse_tail and name == next(iter(case.files)):
            with open(path, "r+b") as fh:
                fh.truncate(len(data) + case.sparse_tail)
    return sum((folder / n).stat().st_blocks * 512 for n in case.files)


def _child(args: list[str], folder: Path) -> None:
    """In the forked child: run the CLI as `python -m itbs_geno` would, then _exit with its code."""
    code = 1
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for fd, name in ((0, os.devnull), (1, folder / "stdout"), (2, folder / "stderr")):
            target = os.open(name, os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        # The child's standard streams for the rest of its life (it ends in os._exit): no with-block fits.
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        from itbs_geno.cli import cli
        try:
            cli.main(args=args, prog_name="itbs-geno")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException as err:  # noqa: BLE001 - what an uncaught exception does to a user
            traceback.print_exc()
            frames = traceback.extract_tb(err.__traceback__)
            ours = [f for f in frames if "itbs_geno" in f.filename] or frames
            where = f"{_short(ours[-1].filename)}:{ours[-1].lineno}" if ours else "?"
            last = f"{_short(frames[-1].filename)}:{frames[-1].lineno}" if frames else "?"
            (folder / "traceback.json").write_text(json.dumps({"type": type(err).__name__, "where": where,
                                                               "last": last}))
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _short(filename: str) -> str:
    parts = Path(filename).parts
    return "/".join(parts[parts.index("itbs_geno"):]) if "itbs_geno" in parts else Path(filename).name


class _Running:
    def __init__(self, case: Case, folder: Path):
        self.case, self.folder = case, folder
        reports = max(map(vcf_samples, case.files.values()), default=0) if case.command == "batch" else 1
        size = write_case(case, folder)
        case.files = dict.fromkeys(case.files, b"")   # written; an outcome keeps only the names
        self.bound = time_bound(size, reports)
        self.args = argv(case, folder)
        self.inherited = _rss(os.getpid())            # pages the child shares with us at the fork
        self.start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(self.args, folder)
        self.pid, self.killed = pid, None

    def poll(self) -> Outcome | None:
        pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        elapsed = time.monotonic() - self.start
        if pid == 0:
            if _cpu(self.pid) > self.bound:
                self._kill(f"hang (over {self.bound:.0f} s of CPU)")
            elif elapsed > self.bound * KILL_AFTER:
                self._kill(f"blocked (no exit after {self.bound * KILL_AFTER:.0f} s; on a loaded machine, starved)")
            elif self._own(_rss(self.pid)) > MEMORY_BOUND:
                self._kill("memory (over 500 MB)")
            return None
        code = None if self.killed else os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        if not self.killed and cpu > self.bound:
            self.killed = f"hang (over {self.bound:.0f} s of CPU)"
        return judge(self.case, self.folder, code, elapsed, self._own(usage.ru_maxrss * 1024), self.killed)

    def _own(self, rss: int) -> int:
        """The RSS the CLI would have on its own: the child's above what it inherited, plus the
        RSS of a fresh interpreter that has imported the CLI."""
        return max(rss - self.inherited, 0) + _fresh_rss()

    def _kill(self, why: str) -> None:
        self.killed = why
        for target in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass


def _cpu(pid: int) -> float:
    """Seconds of CPU the process has used so far (utime + stime, /proc/PID/stat fields 14 and 15)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


@functools.cache
def _fresh_rss() -> int:
    import subprocess
    code = ("import resource, itbs_geno.cli, itbs_geno.pipeline, itbs_geno.render, itbs_geno.labs, pysam, jinja2; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": path})
    return int(out.stdout.strip() or 0) * 1024


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BAD_ATTRIBUTE = re.compile(r'="-?(nan|inf|infinity)"', re.IGNORECASE)


def judge(case: Case, folder: Path, code: int | None, seconds: float, rss: int, killed: str | None) -> Outcome:
    """Which promises the run broke, each as a cause that groups alike failures."""
    stderr = _read(folder / "stderr")
    problems = []
    batch = case.command.startswith("batch")
    if killed:
        problems.append(killed)
    elif code == 1 and (folder / "traceback.json").exists():
        tb = json.loads((folder / "traceback.json").read_text())
        problems.append(f"traceback {tb['type']} at {tb['where']}" + (f" (raised in {tb['last']})"
                                                                      if tb["last"] != tb["where"] else ""))
    elif code not in ((0, 2, 3) if batch else (0, 2)):
        problems.append(f"exit {code}")
    if rss > MEMORY_BOUND and not killed:
        problems.append("memory (over 500 MB)")
    if batch and "internal error" in stderr:
        kind = re.search(r"internal error \((\w+)", stderr)
        problems.append(f"batch internal error {kind.group(1) if kind else ''}".strip())
    lines = stderr.count("\n") + (0 if stderr.endswith("\n") or not stderr else 1)
    if not killed and lines > (2 if batch else 1) and "traceback" not in " ".join(problems):
        problems.append("stderr has more than one line")
    if _CONTROL.search(stderr):
        problems.append("control characters on stderr")
    if code not in (0, 3) and not killed and any((folder / "out").iterdir()):
        problems.append("output left after a refusal")
    if code == 0:
        problems += _check_outputs(case, folder)
    if code == 0 and case.must_refuse and case.command == "labs":
        problems.append(f'lab sheet with "{case.must_refuse}" accepted')
    return Outcome(case, code, seconds, rss, stderr, problems, folder)


def _check_outputs(case: Case, folder: Path) -> list[str]:
    texts = [_read(p) for p in (folder / "out").rglob("*.json")]
    if case.command == "call":
        texts.append(_read(folder / "stdout"))
    problems = []
    for text in texts:
        try:
            json.loads(text, parse_constant=_refuse_constant)
        except ValueError:
            problems.append("invalid JSON (NaN or Infinity)")
            break
    if any(_BAD_ATTRIBUTE.search(_read(p)) for p in (folder / "out").rglob("*.html")):
        problems.append("NaN or infinity in an HTML attribute")
    return problems


def _refuse_constant(name: str):
    raise ValueError(name)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def run(cases: Iterable[Case], workdir: Path, jobs: int = 2, keep: Callable[[Outcome], bool] | None = None,
        progress: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Run every case in forked children, `jobs` at a time; a case's folder is removed unless kept
    (`keep`, default: when it broke a promise)."""
    keep = keep or (lambda o: bool(o.problems))
    warm_up(workdir)
    pending, running, outcomes = iter(cases), [], []
    while True:
        while len(running) < jobs and (case := next(pending, None)) is not None:
            running.append(_Running(case, workdir / f"case-{case.id}"))
        if not running:
            return outcomes
        time.sleep(0.005)
        for child in list(running):
            outcome = child.poll()
            if outcome is not None:
                running.remove(child)
                outcomes.append(outcome)
                progress(outcome)
                if not keep(outcome):
                    shutil.rmtree(outcome.folder, ignore_errors=True)


_warm: set[Path] = set()


def warm_up(workdir: Path) -> None:
    """Import, load and compile everything once in the parent, so each forked child starts ready."""
    if workdir in _warm:
        return
    from click.testing import CliRunner

    from itbs_geno.cli import cli
    genome = workdir / "warm" / LAB_GENOME
    genome.parent.mkdir(parents=True, exist_ok=True)
    genome.write_bytes(seeds()[LAB_GENOME])
    (workdir / "warm" / "labs.csv").write_bytes(LAB_SHEET)
    (workdir / "warm" / "p.vcf").write_bytes(seeds()["person.vcf"])
    for args in (["report", str(genome), "--labs", str(workdir / "warm" / "labs.csv"), "-o",
                  str(workdir / "warm" / "r.html")], ["call", str(workdir / "warm" / "p.vcf")]):
        CliRunner().invoke(cli, args)
    _warm.add(workdir)


# ---------------------------------------------------------------- the report

def summary(outcomes: list[Outcome], save: Path | None = None) -> str:
    """Counts per family, seed, container, mutation and command; exits; failures grouped by cause,
    each with one reproduction. With `save`, each failing case's folder is copied there."""
    lines = [(f"{len(outcomes)} cases; {sum(bool(o.problems) for o in outcomes)} broke a promise; "
              f"slowest {max((o.seconds for o in outcomes), default=0):.1f} s; peak RSS "
              f"{max((o.peak_rss for o in outcomes), default=0) >> 20} MB")]
    tables = {
        "family": Counter(o.case.family for o in outcomes),
        "seed": Counter(o.case.seed_name for o in outcomes),
        "container": Counter(o.case.container for o in outcomes),
        "command": Counter(o.case.command for o in outcomes),
        "mutation": Counter(m for o in outcomes for m in set(o.case.mutations)),
        "exit": Counter("killed" if o.exit is None else str(o.exit) for o in outcomes),
    }
    for title, counts in tables.items():
        lines.append(f"{title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    causes: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for p in o.problems:
            causes[p].append(o)
    lines.append(f"{len(causes)} distinct failure cause(s):")
    for cause, found in sorted(causes.items(), key=lambda kv: -len(kv[1])):
        first = found[0]
        lines.append(f"  {len(found):6d}  {cause}")
        lines.append(f"          e.g. {first.case.describe()}; itbs-geno {' '.join(argv(first.case, Path('.')))}")
        if save:
            for o in found[:5]:
                _save(o, save / re.sub(r"[^A-Za-z0-9_.-]+", "_", cause)[:80])
    return "\n".join(lines)


def _save(outcome: Outcome, folder: Path) -> None:
    target = folder / f"case-{outcome.case.id}"
    if target.exists() or not outcome.folder.exists():
        return
    shutil.copytree(outcome.folder, target, ignore=shutil.ignore_patterns("out"))
    (target / "repro.txt").write_text(
        f"{outcome.case.describe()}\nproblems: {'; '.join(outcome.problems)}\nexit {outcome.exit}, "
        f"{outcome.seconds:.1f} s, {outcome.peak_rss >> 20} MB\nrun: cd {target} && python -m itbs_geno "
        f"{' '.join(argv(outcome.case, Path('.')))}\nre-make: python benchmarks/fuzz_long.py --case "
        f"{outcome.case.id}{' --family ' + outcome.case.family}\nstderr:\n{outcome.stderr[-3000:]}")
