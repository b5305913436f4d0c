"""Reading a download as bytes (sources/_ahead.py, opener._split_blocks): with python-isal and with
zlib alone the same lines, calls and messages; chunk ends anywhere (inside a CRLF, a byte-order mark,
a UTF-8 character); the reading thread stops with the file and hands on its errors in order."""

import gzip
import json
import sys
import threading
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.errors import InputError
from itbs_geno.sources import _ahead, claimants, opener
from itbs_geno.sources.opener import open_text

from conftest import SAMPLES

V5 = (SAMPLES / "synthetic_23andme.txt").read_bytes()


def lines_of(path: Path) -> tuple[str, list[str]]:
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        return opened.compression, list(opened.lines)


def without_isal(monkeypatch) -> None:
    for name in ("isal", "isal.igzip", "isal.isal_zlib"):
        monkeypatch.setitem(sys.modules, name, None)          # `from isal import ...` raises ImportError


def reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "itbs-geno-read"]


def containers(tmp_path: Path, text: bytes) -> list[Path]:
    gz, deflated = tmp_path / "genome.txt.gz", tmp_path / "genome.zip"
    gz.write_bytes(gzip.compress(text))
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("genome.txt", text)
    return [gz, deflated]


def test_isal_is_what_inflates_here():
    pytest.importorskip("isal", reason="python-isal has no wheel for this platform: zlib alone is tested")
    from isal import igzip

    assert isinstance(opener.open_gzip(SAMPLES / "synthetic_23andme.txt"), igzip.IGzipFile)


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib"])
def test_gzip_and_zip_give_the_plain_files_lines_and_calls(tmp_path, monkeypatch, isal):
    if not isal:
        without_isal(monkeypatch)
    plain = tmp_path / "genome.txt"
    plain.write_bytes(V5)
    monkeypatch.setattr(opener, "CHUNK", 4096)                # many chunks: the reading thread runs
    expected = lines_of(plain)[1]
    calls = []
    for path in [plain, *containers(tmp_path, V5)]:
        assert lines_of(path)[1] == expected
        result = CliRunner().invoke(cli, ["call", "--json", str(path)])
        assert result.exit_code == 0, result.output
        calls.append([(m["rsid"], m["status"], m["genotype"]) for m in json.loads(result.stdout)[0]["markers"]])
    assert calls[0] == calls[1] == calls[2]
    assert not reading_threads()


def damaged(tmp_path: Path) -> dict[str, Path]:
    gz, deflated = containers(tmp_path, V5 * 20)
    made = {}
    for name, path, change in (
            ("gzip truncated", gz, lambda d: d[: len(d) // 2]),
            ("gzip bad CRC", gz, lambda d: d[:-8] + bytes(4) + d[-4:]),
            ("gzip bad length", gz, lambda d: d[:-4] + b"\1\0\0\0"),
            ("gzip trailing garbage", gz, lambda d: d + b"garbage"),
            ("gzip damaged deflate", gz, lambda d: d[:40] + b"\xff" * 64 + d[104:]),
            ("zip bad CRC", deflated, lambda d: _zip_crc(d, 0xDEADBEEF)),
            ("zip damaged deflate", deflated, lambda d: d[:60] + b"\xff" * 64 + d[124:])):
        out = tmp_path / (name.replace(" ", "_") + path.suffix)
        out.write_bytes(change(path.read_bytes()))
        made[name] = out
    return made


def _zip_crc(data: bytes, crc: int) -> bytes:
    """The CRC-32 replaced in both the local header and the central directory entry."""
    data = bytearray(data)
    data[14:18] = crc.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    data[central + 16:central + 20] = crc.to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("name", ["gzip truncated", "gzip bad CRC", "gzip bad length", "gzip trailing garbage",
                                  "gzip damaged deflate", "zip bad CRC", "zip damaged deflate"])
def test_damaged_containers_give_the_same_one_line_with_isal_and_zlib(tmp_path, monkeypatch, name):
    path = damaged(tmp_path)[name]
    monkeypatch.setattr(opener, "CHUNK", 4096)
    messages = []
    for isal in (True, False):
        with monkeypatch.context() as patched:
            if not isal:
                without_isal(patched)
            with pytest.raises(InputError) as err:
                lines_of(path)
            messages.append(str(err.value))
    assert messages[0] == messages[1] == f"{path}: the compressed data is truncated or damaged; download it again"
    assert not reading_threads()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_chunks_may_end_anywhere(tmp_path, monkeypatch, size):
    """Inside a CRLF, a byte-order mark or a UTF-8 character, and at a lone CR at the very end."""
    text = "\ufeff# 23andMe café\r\nrs1\t1\t5\tAA\r\n\r\nrs2\t1\t6\tCT\rrs3\t2\t7\t--\r"
    expected = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").splitlines()
    monkeypatch.setattr(opener, "CHUNK", size)
    for path in [tmp_path / "a.txt", *containers(tmp_path, text.encode())]:
        if path.suffix == ".txt":
            path.write_bytes(text.encode())
        assert lines_of(path)[1] == expected


def test_the_reading_thread_stops_when_only_the_head_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(opener, "CHUNK", 512)
    gz = containers(tmp_path, V5 * 50)[0]
    with open_text(gz, claims=lambda head: True) as opened:
        next(opened.blocks)                                  # past the head: the thread reads ahead
        assert reading_threads()
    assert not reading_threads()


def test_an_error_in_the_reading_thread_comes_after_the_chunks_before_it(tmp_path):
    good = [b"one\n", b"two\n"]
    parts = iter(good)

    def read() -> bytes:
        part = next(parts, None)
        if part is None:
            raise zlib.error("damaged")
        return part

    reading = _ahead._Ahead(tmp_path / "x.gz", read)
    chunks = iter(reading)
    assert [next(chunks), next(chunks)] == good
    with pytest.raises(InputError, match="truncated or damaged"):
        next(chunks)
    reading.close()
    assert not reading_threads()


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib"])
def test_a_deflated_member_is_read_whole_whatever_the_reads(tmp_path, monkeypatch, isal):
    """Output bounded per call (a piece may hold output back: runs of one byte, long matches), data
    after the Deflate stream dropped as zipfile drops it, the CRC-32 checked at the end."""
    import random

    from itbs_geno.sources import zipped

    if not isal:
        without_isal(monkeypatch)
    rng = random.Random(5)
    text = V5 * 4 + b"\n" * 400_000 + bytes(rng.randrange(256) for _ in range(50_000))
    path = tmp_path / "a.zip"
    for level in (1, 9):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
            archive.writestr("genome.txt", text)
        with zipfile.ZipFile(path) as archive:
            member = archive.infolist()[0]
        for size in (7, 4096, 1 << 20):
            with zipped._Inflated(path, member) as raw:
                buffer, out = bytearray(size), bytearray()
                while read := raw.readinto(buffer):
                    out += buffer[:read]
            assert out == text, (level, size)


def test_the_sha256_hashed_beside_the_reading_is_the_files(tmp_path):
    import hashlib

    plain = tmp_path / "genome.txt"
    plain.write_bytes(V5 * 12)                               # > 1 MiB: hashed in several reads
    for path in [plain, *containers(tmp_path, V5 * 12)]:
        result = CliRunner().invoke(cli, ["call", "--json", str(path)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
