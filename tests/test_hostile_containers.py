"""Hostile containers and tables (issue 11, items 1, 2, 12, 13 and the FIFO / stdin part of 20):
zip members zipfile cannot read, Unicode digits and huge numbers as positions, a site repeated
millions of times, decompression bombs under the text limit, pipes. Each gives exit 2 with one
line, or a usable report that says what was odd, within a bounded time and memory."""

import gzip
import io
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.sources import claimants, opener
from itbs_geno.sources.opener import open_text

from conftest import DATA, ROOT, SAMPLES
from test_hostile import V5, one_line_exit_2, zipped

ACTN3 = "rs1815739\t11\t66328095\tTT"          # a panel row of the synthetic 23andMe file


def call_json(path, **kwargs) -> dict:
    result = CliRunner().invoke(cli, ["call", "--json", str(path)], **kwargs)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]


def marker(sample: dict, rsid: str) -> dict:
    return next(m for m in sample["markers"] if m["rsid"] == rsid)


def run_itbs(*args, timeout=60, **kwargs) -> subprocess.CompletedProcess:
    """The installed entry point's code path, from the checkout, in its own process (a hang guard)."""
    return subprocess.run([sys.executable, "-m", "itbs_geno", *args], cwd=ROOT, capture_output=True, check=False,
                          text=True, timeout=timeout, **kwargs)


def assert_one_line_exit_2(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr, proc.stderr


# ---- 1. positions that str.isdigit() accepts but are not ASCII numbers ---------------------------

@pytest.mark.parametrize("position", ["²", "٣", "66328095²", "1" * 5000],
                         ids=["superscript", "arabic-indic", "trailing-superscript", "5000-digits"])
def test_a_position_that_is_not_ascii_digits_is_matched_by_rsid(tmp_path, position):
    path = tmp_path / "genome.txt"
    path.write_text(V5.replace(ACTN3, f"rs1815739\t11\t{position}\tTT"), encoding="utf-8")
    found = marker(call_json(path), "rs1815739")
    # as for "positions that are not numbers": matched by rsID, the position is not checked
    assert (found["status"], found["genotype"]) == ("called", "TT")
    assert not any("66328095" in note or position[:20] in note for note in found["notes"])


def test_a_generic_table_with_unicode_digit_positions_gives_no_traceback(tmp_path):
    path = tmp_path / "table.txt"
    path.write_text("rs1815739\t11\t٦٦٣٢٨٠٩٥\tCT\nrs12722\t9\t²\tCC\nrs1\t1\t" + "9" * 5000 + "\tAA\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["call", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output


# ---- 2. zip members that zipfile cannot read ------------------------------------------------------

def stored_zip(members: dict[str, str]) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return bytearray(buffer.getvalue())


def set_in_both_headers(data: bytes | bytearray, local_at: int, central_at: int, value: int, size: int = 2,
                        mode: str = "set") -> bytes:
    """Write a field into the first member's local header and its central directory entry."""
    data, fmt = bytearray(data), {2: "<H", 4: "<I"}[size]
    for at in (local_at, data.index(b"PK\x01\x02") + central_at):
        old, = struct.unpack_from(fmt, data, at)
        struct.pack_into(fmt, data, at, old | value if mode == "or" else value)
    return bytes(data)


def flipped_byte_in_data(members: dict[str, str], name: str, offset_from_end: int) -> bytes:
    data = stored_zip(members)
    start = data.index(name.encode()) + len(name)          # a stored member's data follows its local name
    size = len(members[name].encode())
    data[start + size - offset_from_end] ^= 0x01
    return bytes(data)


def renamed_in_directory(data: bytes, old: str, new: str) -> bytes:
    assert len(old) == len(new)
    central = data.index(b"PK\x01\x02")
    return data[:central] + data[central:].replace(old.encode(), new.encode(), 1)


def corrupt_zip64_extra() -> bytes:
    """A central entry whose sizes say "see zip64" (0xFFFFFFFF) but whose zip64 extra field is too short."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("genome.txt")
        info.extra = struct.pack("<HH", 0x0001, 4) + b"\x00" * 4
        archive.writestr(info, V5)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<II", data, central + 20, 0xFFFFFFFF, 0xFFFFFFFF)
    return bytes(data)


def bad_utf8_name() -> bytes:
    """The UTF-8 name flag (bit 11) on a name that is not UTF-8: zipfile fails decoding it."""
    data = set_in_both_headers(zipped({"genom_.txt": V5}), 6, 8, 0x800, mode="or")
    return data.replace(b"genom_.txt", b"genom\xff.txt")


BIG_V5 = V5 + "".join(f"i{n}\t1\t{n}\tAA\n" for n in range(1, 120_000))    # ~1.7 MB: past the first chunk

ZIP_CASES = {
    # name: (zip bytes, message)
    "bad CRC (flipped byte in a stored member)": (
        flipped_byte_in_data({"genome.txt": V5}, "genome.txt", 100), "truncated or damaged"),
    "bad CRC in a small member (read whole by the first peek)": (
        flipped_byte_in_data({"genome.txt": V5[:3000]}, "genome.txt", 100), "truncated or damaged"),
    "bad CRC found only at the end of a big member": (
        flipped_byte_in_data({"genome.txt": BIG_V5}, "genome.txt", 3), "truncated or damaged"),
    "bad CRC in a member read for its head": (
        flipped_byte_in_data({"genome.txt": V5, "other.txt": "# a README\nhello\n"}, "genome.txt", 100),
        "truncated or damaged"),
    "unknown compression method": (
        set_in_both_headers(zipped({"genome.txt": V5}), 8, 10, 99), "compressed with zip method 99"),
    "implode (method 6)": (set_in_both_headers(zipped({"genome.txt": V5}), 8, 10, 6), "zip method 6"),
    "patched data (flag bit 5)": (
        set_in_both_headers(zipped({"genome.txt": V5}), 6, 8, 0x20, mode="or"), "patch data (zip flag bit 5)"),
    "strong encryption (flag bit 6)": (
        set_in_both_headers(zipped({"genome.txt": V5}), 6, 8, 0x40, mode="or"), "password-protected"),
    "local name differs from the directory": (
        renamed_in_directory(zipped({"../../x.txt": V5}), "../../x.txt", "/./../x.txt"), "truncated or damaged"),
    "method 9 (Deflate64) header on data that is not Deflate64": (
        set_in_both_headers(stored_zip({"genome.txt": V5}), 8, 10, 9), "truncated or damaged"),
    "member name cut to nothing by a NUL byte": (
        zipped({"genome.txt": V5}).replace(b"genome.txt", b"\x00enome.txt"), "the zip holds no data file"),
    "corrupt zip64 extra field": (corrupt_zip64_extra(), "truncated or damaged"),
    "name not UTF-8 under the UTF-8 flag": (bad_utf8_name(), "truncated or damaged"),
}


@pytest.mark.parametrize("name", sorted(ZIP_CASES))
def test_zip_members_zipfile_cannot_read_give_one_line(tmp_path, name):
    content, message = ZIP_CASES[name]
    path = tmp_path / "download.zip"
    path.write_bytes(content)
    for command in (["call"], ["report", "-o", str(tmp_path / "r.html")], ["inspect"]):
        one_line_exit_2(CliRunner().invoke(cli, [*command, str(path)]), message)
    assert not (tmp_path / "r.html").exists()


def test_a_nul_byte_in_a_member_name_is_harmless(tmp_path):
    path = tmp_path / "download.zip"
    path.write_bytes(renamed_in_directory(zipped({"genome.txt": V5}), "genome.txt", "genome\x00txt"))
    result = CliRunner().invoke(cli, ["call", str(path)])
    assert result.exit_code in (0, 2) and "Traceback" not in result.output, result.output


FIXTURE = DATA / "zip" / "synthetic_23andme_deflate64.zip"


def test_a_deflate64_zip_from_windows_is_read(tmp_path):
    assert zipfile.ZipFile(FIXTURE).infolist()[0].compress_type == 9      # really Deflate64
    with open_text(FIXTURE, claims=lambda head: bool(claimants(head))) as opened:
        lines = list(opened.lines)
    assert lines == (SAMPLES / "synthetic_23andme.txt").read_text().splitlines()
    zipped_calls, plain_calls = call_json(FIXTURE), call_json(SAMPLES / "synthetic_23andme.txt")
    assert zipped_calls["markers"] == plain_calls["markers"]
    assert (zipped_calls["source"]["compression"], zipped_calls["source"]["member"]) == ("zip", "genome.txt")


def test_a_damaged_deflate64_member_gives_one_line(tmp_path):
    data = bytearray(FIXTURE.read_bytes())
    data[len(data) // 2] ^= 0xFF                                         # inside the Deflate64 stream
    path = tmp_path / "download.zip"
    path.write_bytes(bytes(data))
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "truncated or damaged")


# ---- 12. one panel row repeated two million times -------------------------------------------------

# Runs the CLI and prints its peak RSS. A child's ru_maxrss starts from its parent's size at fork, so
# the CLI is started from this small process rather than from pytest (hundreds of MB by then).
_MEASURE = ("import resource, subprocess, sys\n"
            "code = subprocess.run([sys.executable, '-m', 'itbs_geno', *sys.argv[1:]],\n"
            "                      stdout=subprocess.DEVNULL, check=False).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(code)\n")


def run_measured(args: list[str], timeout: float) -> tuple[int, str, int]:
    """Exit code, stderr and peak RSS (KiB) of one run of the CLI."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=timeout)
    return proc.returncode, proc.stderr, int(proc.stdout)


def test_a_site_listed_two_million_times_is_counted_not_kept(tmp_path):
    rows = (ACTN3 + "\n") * 2_000_000 + "rs1815739\t11\t66328095\tCT"
    path = tmp_path / "dups.txt.gz"
    path.write_bytes(gzip.compress(V5.replace(ACTN3, rows).encode(), compresslevel=1))
    out, data = tmp_path / "r.html", tmp_path / "r.json"
    code, stderr, peak_kib = run_measured(["report", str(path), "-o", str(out), "--json", str(data)], 30)
    assert code == 0, stderr
    assert peak_kib < 150_000                                            # was 1.4 GB (~40 MB now)
    assert out.stat().st_size < 300_000 and data.stat().st_size < 100_000   # was a 16 MB page
    found = marker(json.loads(data.read_text()), "rs1815739")
    assert found["status"] == "no-call"
    assert found["flag"] == "the file lists this site 2,000,001 times with different genotypes (CT, TT ×2,000,000)"


def test_few_duplicates_keep_the_exact_message(tmp_path):
    path = tmp_path / "dups.txt"
    path.write_text(V5.replace(ACTN3, f"{ACTN3}\n{ACTN3}\nrs1815739\t11\t66328095\tCT"))
    found = marker(call_json(path), "rs1815739")
    assert found["flag"] == "the file lists this site 3 times with different genotypes (CT, TT, TT)"


def test_duplicates_that_agree_are_called_and_counted(tmp_path):
    path = tmp_path / "dups.txt"
    path.write_text(V5.replace(ACTN3, (ACTN3 + "\n") * 5000))
    found = marker(call_json(path), "rs1815739")
    assert (found["status"], found["genotype"]) == ("called", "TT")
    assert "the file lists this site 5,000 times, all with the same genotype" in found["notes"]


def test_many_different_rows_for_one_site_stay_bounded(tmp_path):
    rows = "".join(f"rs1815739\t11\t{66328095 + n}\tTT\n" for n in range(50_000))
    path = tmp_path / "dups.txt"
    path.write_text(V5.replace(ACTN3 + "\n", rows))
    found = marker(call_json(path), "rs1815739")
    assert found["status"] == "no-call"
    assert found["flag"].startswith("the file lists this site 50,000 times with different genotypes (")
    assert len(found["flag"]) < 400


# ---- 13. decompression bombs under the text limit -------------------------------------------------

def deflated_newlines(mib: int) -> tuple[bytes, int]:
    """Raw Deflate of `mib` MiB of newlines and its CRC-32, built from one fully flushed 1 MiB block
    repeated (a full flush makes each copy stand alone), so a 1 GiB bomb takes a second to make."""
    block = b"\n" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    return one * mib + compressor.flush(), crc


def gzip_of(prefix: bytes, deflated: bytes, crc: int, size: int) -> bytes:
    """A gzip file of `prefix` (its own member) followed by the pre-deflated newlines (a second member)."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return gzip.compress(prefix) + header + deflated + struct.pack("<II", crc, size & 0xFFFFFFFF)


def test_a_gibibyte_of_newlines_in_a_gzip_is_refused_quickly_by_default(tmp_path):
    deflated, crc = deflated_newlines(1024)
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip_of(V5.encode(), deflated, crc, 1 << 30))
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    proc = run_itbs("call", str(path), timeout=20, env={**os.environ, "ITBS_MAX_TEXT_MB": ""})   # was 84 s, exit 0
    assert_one_line_exit_2(proc, "long runs of blank or near-empty lines")
    assert time.monotonic() - started < 20


def raw_zip(name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """A one-member zip around already deflated data (zipfile cannot write pre-compressed data)."""
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), size, len(name), 0)
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated), size,
                          len(name), 0, 0, 0, 0, 0, 0)
    body = local + name.encode() + deflated
    directory = central + name.encode()
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def test_a_zip_declaring_a_gibibyte_is_refused_at_once_by_default(tmp_path):
    deflated, crc = deflated_newlines(1024)
    path = tmp_path / "bomb.zip"
    path.write_bytes(raw_zip("genome.txt", deflated, crc, 1 << 30))
    assert zipfile.ZipFile(path).infolist()[0].file_size == 1 << 30    # a well-formed zip: only its size is hostile
    proc = run_itbs("call", str(path), timeout=20)
    assert_one_line_exit_2(proc, "would decompress to 1,073 MB")


def test_a_few_megabytes_of_blank_lines_are_refused(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text(V5 + "\n" * 3_000_000)
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "long runs of blank or near-empty lines")


@pytest.mark.parametrize("filler", [" \n", "#\n", "\t\t\n", "x\n"])
def test_other_near_empty_line_bombs_are_refused(tmp_path, filler):
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress((V5 + filler * 2_000_000).encode(), compresslevel=1))
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "long runs of blank or near-empty lines")


def test_blank_lines_a_real_file_might_have_are_fine(tmp_path):
    path = tmp_path / "genome.txt"
    path.write_text("\n\n" + V5.replace(ACTN3, ACTN3 + "\n\n\n") + "\n" * 5000)
    assert marker(call_json(path), "rs1815739")["genotype"] == "TT"


def test_the_text_limit_can_be_raised_or_lowered(tmp_path, monkeypatch):
    path = tmp_path / "genome.txt.gz"
    path.write_bytes(gzip.compress((V5 * 8).encode()))                    # 1.2 MB of text
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)], env={"ITBS_MAX_TEXT_MB": "1"}),
                    "more than 1 MB of text")
    monkeypatch.setattr(opener, "MAX_TEXT", 200_000)
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "set ITBS_MAX_TEXT_MB to raise the limit")
    assert call_json(path, env={"ITBS_MAX_TEXT_MB": "2"})["source"]["variants"] > 0


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1e9", "٣", "9" * 40])
def test_a_bad_text_limit_gives_one_line(tmp_path, value):
    path = tmp_path / "genome.txt"
    path.write_text(V5)
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)], env={"ITBS_MAX_TEXT_MB": value}),
                    "ITBS_MAX_TEXT_MB=")


# ---- 20 (part). pipes ------------------------------------------------------------------------------

def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "genome.txt"
    os.mkfifo(fifo)

    def write() -> None:                       # a writer, as a pipeline would have; it may never be let in
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return                             # no reader opened the FIFO: nothing to write to
        with os.fdopen(fd, "w") as fh:
            fh.write(V5)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    proc = run_itbs("call", str(fifo), timeout=30)
    writer.join(timeout=5)
    assert_one_line_exit_2(proc, "is not a regular file (a pipe or a device?); save it to a file first")


def test_standard_input_from_a_pipe_is_refused(tmp_path):
    proc = run_itbs("call", "/dev/stdin", input=V5, timeout=30)
    assert_one_line_exit_2(proc, "/dev/stdin: is not a regular file")


def test_standard_input_redirected_from_a_file_is_read(tmp_path):
    path = tmp_path / "genome.txt"
    path.write_text(V5)
    with open(path, "rb") as stdin:
        proc = run_itbs("call", "--json", "/dev/stdin", stdin=stdin, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert marker(json.loads(proc.stdout)[0], "rs1815739")["genotype"] == "TT"


# ---- zip directories that would fill memory before any member is read ------------------------------

def test_a_sparse_zip_declaring_a_huge_directory_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "sparse.zip"
    size = 400 << 20                                     # 400 MiB long, a few KB on disk
    with open(path, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(size - 22)
        fh.seek(size - 22)
        fh.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, size - 22 - 4, 4, 0))
    code, message, peak_kib = run_measured(["call", str(path)], 30)
    assert code == 2 and message.count("\n") == 1 and "far more than a genotype download holds" in message, message
    assert peak_kib < 100_000                            # zipfile alone would read 400 MiB into memory


def test_a_zip64_archive_of_sixty_six_thousand_files_is_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("genome.txt", V5)
        for n in range(66_000):                          # past 65,535: zipfile writes a zip64 end record
            archive.writestr(f"{n}.txt", b"")
    assert b"PK\x06\x06" in path.read_bytes()
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "directory declares 66,001 file(s)")


def test_a_forged_zip64_end_record_is_refused(tmp_path):
    data = zipped({"genome.txt": V5})
    end = data.rindex(b"PK\x05\x06")
    zip64_end = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1 << 40, 1 << 40, 1 << 50, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    path = tmp_path / "forged.zip"
    path.write_bytes(data[:end] + zip64_end + locator + data[end:])
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "directory declares 1,099,511,627,776 file(s)")


def test_a_zip_of_many_text_files_is_refused_before_each_is_decompressed(tmp_path):
    # Each candidate's head costs a 1 Mi-character chunk: 10,000 members of rows would take minutes.
    path = tmp_path / "many.zip"
    path.write_bytes(zipped({f"part{n}.txt": V5[:5000] for n in range(30)}))
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(path)]), "the zip holds 30 files")


def test_a_small_gzip_that_expands_a_hundredfold_is_refused_at_the_ratio_limit(tmp_path):
    """150 MB of one panel row in a ~150 KB gzip: under the 500 MB text limit, but no genotype download
    expands more than 10 times, so it is refused once 64 MB are read instead of read whole."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"rs1815739\t11\t66328095\tTT\n" * 40_000
    data = packer.compress(V5.encode()) + b"".join(packer.compress(block) for _ in range(150)) + packer.flush()
    path = tmp_path / "expands.txt.gz"
    path.write_bytes(data)
    assert len(data) < 2_000_000
    result = CliRunner().invoke(cli, ["call", str(path)])
    one_line_exit_2(result, "decompresses to more than 64 MB of text")
    assert "10 times the compressed size" in result.stderr
