"""Hostile surroundings rather than hostile files (issue 11): a planted template cache, a full
disk under the cache or the PDF, a terminal-escape file, outputs that collide, a stdout that
cannot take the text, and a browser that would phone home."""

import errno
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from itbs_geno import templating
from itbs_geno.cli import cli

from conftest import ROOT, SAMPLES, break_writes

SAMPLE = str(SAMPLES / "synthetic_23andme.txt")
FORGED = "FORGED-REPORT-WITHOUT-CSP"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A fresh XDG cache folder and a fresh Jinja environment, before and after the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    templating.environment.cache_clear()
    yield tmp_path / "cache"
    templating.environment.cache_clear()


def plant_forged_report(cache_home) -> os.PathLike:
    """Write, where the cache keeps report.html, a compiled template with the right checksum
    that prints FORGED: what someone who can write the cache folder could plant."""
    import jinja2

    env = templating.environment()
    source, filename, _ = env.loader.get_source(env, "report.html")
    cache = env.bytecode_cache
    bucket = jinja2.bccache.Bucket(env, cache.get_cache_key("report.html", filename),
                                   cache.get_source_checksum(source))
    bucket.code = env.compile(FORGED, "report.html", filename)
    path = cache_home / "itbs-geno" / templating.__version__ / (cache.pattern % bucket.key)
    with open(path, "wb") as fh:
        bucket.write_bytecode(fh)
    templating.environment.cache_clear()
    return path


def report_text(tmp_path) -> str:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", SAMPLE, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_the_cache_speeds_up_only_from_a_private_folder(cache_home, tmp_path):
    report_text(tmp_path)
    folder = cache_home / "itbs-geno" / templating.__version__
    assert folder.stat().st_mode & 0o777 == 0o700
    cached = list(folder.iterdir())
    assert cached and {p.stat().st_mode & 0o777 for p in cached} == {0o600}


def test_a_private_cache_file_of_ours_is_used(cache_home, tmp_path):
    """The control for the two tests below: a planted file that passes the checks is loaded."""
    report_text(tmp_path)
    plant_forged_report(cache_home)
    assert FORGED in report_text(tmp_path)


def test_a_cache_file_others_can_write_is_never_loaded(cache_home, tmp_path):
    report_text(tmp_path)
    os.chmod(plant_forged_report(cache_home), 0o666)
    page = report_text(tmp_path)
    assert FORGED not in page and "default-src 'none'" in page


def test_a_cache_file_of_another_user_is_never_loaded(cache_home, tmp_path, monkeypatch):
    report_text(tmp_path)
    plant_forged_report(cache_home)
    monkeypatch.setattr(os, "geteuid", lambda: 4242)       # now every file there belongs to someone else
    page = report_text(tmp_path)
    assert FORGED not in page and "default-src 'none'" in page


def test_a_cache_folder_others_can_write_is_not_used(cache_home, tmp_path, monkeypatch):
    report_text(tmp_path)
    plant_forged_report(cache_home)
    folder = cache_home / "itbs-geno" / templating.__version__
    folder.chmod(0o777)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)  # a folder we may not close again
    assert templating.private_cache() is None
    assert FORGED not in report_text(tmp_path)


def test_a_symlink_in_the_cache_is_not_followed(cache_home, tmp_path):
    report_text(tmp_path)
    planted = plant_forged_report(cache_home)
    elsewhere = tmp_path / "elsewhere.cache"
    os.replace(planted, elsewhere)
    os.symlink(elsewhere, planted)
    assert FORGED not in report_text(tmp_path)


def test_a_full_disk_under_the_cache_still_gives_the_report(cache_home, tmp_path, monkeypatch):
    import jinja2.bccache

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", full)
    page = report_text(tmp_path)
    assert "default-src 'none'" in page and "ACTN3" in page


def minimal_pdf() -> bytes:
    """A small, valid one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@pytest.fixture
def fake_browser(tmp_path, monkeypatch):
    """A 'browser' that writes the PDF bytes we give it, like Chromium on a disk that fills up."""
    from itbs_geno import pdf

    def install(data: bytes):
        (tmp_path / "made.pdf").write_bytes(data)
        script = tmp_path / "chromium"
        script.write_text("#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) cp \"$(dirname \"$0\")/made.pdf\" "
                          "\"${a#--print-to-pdf=}\";; esac; done\n")
        script.chmod(0o755)
        monkeypatch.setattr(pdf, "find_browser", lambda: str(script))
    return install


def test_a_complete_pdf_is_recognised():
    import tempfile
    from pathlib import Path

    from itbs_geno.pdf import is_complete_pdf

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.pdf"
        path.write_bytes(minimal_pdf())
        assert is_complete_pdf(path)
        for cut in (len(minimal_pdf()) - 7, len(minimal_pdf()) // 2, 40):
            path.write_bytes(minimal_pdf()[:cut])
            assert not is_complete_pdf(path), cut


def test_a_truncated_pdf_never_replaces_the_good_one(tmp_path, fake_browser):
    old = tmp_path / "r.pdf"
    old.write_bytes(b"%PDF- the good old one")
    fake_browser(minimal_pdf()[:-60])                      # passes the %PDF- check, lacks its trailer
    result = CliRunner().invoke(cli, ["report", SAMPLE, "-o", str(tmp_path / "r.html"), "--pdf", str(old)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "did not produce a complete PDF" in result.stderr
    assert old.read_bytes() == b"%PDF- the good old one"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    fake_browser(minimal_pdf())
    result = CliRunner().invoke(cli, ["report", SAMPLE, "-o", str(tmp_path / "r.html"), "--pdf", str(old)])
    assert result.exit_code == 0 and old.read_bytes() == minimal_pdf()


INET_CONNECTED = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?,.*\) = 0")
INET_SENT = re.compile(r"send(to|msg|mmsg)\(.*AF_INET6?")
DNS = re.compile(r"htons\(53\)")


def traced_pdf_run(tmp_path, isolate: bool) -> str:
    """`report --pdf` under strace -f: every network system call of the whole process tree."""
    from itbs_geno import pdf

    assert shutil.which("strace") and pdf.find_browser(), "the README's test command installs strace and chromium"
    script = ("import sys; from itbs_geno import pdf, cli\n"
              + ("" if isolate else "pdf.no_network_prefix = lambda: ()\n")
              + "sys.argv = ['itbs-geno'] + sys.argv[1:]; cli.main()\n")
    trace = tmp_path / "trace.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace), sys.executable, "-c", script,
                    "report", SAMPLE, "-o", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")],
                   check=True, capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (tmp_path / "r.pdf").stat().st_size > 10_000
    return trace.read_text()


def test_pdf_printing_sends_nothing_to_the_network(tmp_path):
    """As the tool runs on this machine: in an empty network namespace where Linux allows one
    (then not even a connect() succeeds), else with the flags alone (checked as below)."""
    from itbs_geno import pdf

    trace = traced_pdf_run(tmp_path, isolate=True)
    assert len({line.split()[0] for line in trace.splitlines()}) > 3   # the trace followed the browser's processes
    if pdf.no_network_prefix():
        assert not DNS.search(trace) and not INET_SENT.search(trace) and not INET_CONNECTED.search(trace)
    else:
        assert_flags_keep_it_offline(trace)


def test_without_a_namespace_the_flags_alone_send_no_dns_query_and_open_no_connection(tmp_path):
    assert_flags_keep_it_offline(traced_pdf_run(tmp_path, isolate=False))


def assert_flags_keep_it_offline(trace: str) -> None:
    assert not DNS.search(trace) and not INET_SENT.search(trace)
    # Chromium still connect()s a UDP socket to a public address to learn whether IPv6 is routed;
    # a UDP connect sends no packet. Nothing else may connect.
    connected = [line for line in trace.splitlines() if INET_CONNECTED.search(line)]
    assert all("SOCK_DGRAM" in trace and "htons(443)" in line and "2001:4860:4860::8888" in line
               for line in connected), connected


def one_line_exit_2(result, message):
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr


def test_terminal_escapes_in_a_file_are_shown_not_obeyed(tmp_path):
    path = tmp_path / "genome.txt"
    path.write_bytes("\x1b]0;owned\x07\x1b[2J\x1b[31mred\x9b1m\u202eevil\n".encode() + b"x y\n" * 5)
    for command in (["call"], ["inspect"], ["report", "-o", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(cli, [*command, str(path)])
        one_line_exit_2(result, r"\x1b]0;owned\x07\x1b[2J\x1b[31mred")
        assert not any((c < " " and c != "\n") or "\x7f" <= c < "\xa0" for c in result.stderr), result.stderr
        assert "\u202e" not in result.stderr and r"\u202e" in result.stderr


def run_tool(*args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([sys.executable, "-m", "itbs_geno", *args], timeout=120, env=env, check=False, **streams)


def test_a_full_stdout_is_one_line_not_a_traceback():
    with open("/dev/full", "w") as full:
        result = run_tool("call", "--json", SAMPLE, stdout=full)
    assert result.returncode == 2, result.stderr
    assert result.stderr == b"Error: could not write to standard output (No space left on device)\n"


def test_a_closed_pipe_on_stdout_is_not_an_error():
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    result = run_tool("call", SAMPLE, stdout=reader.stdin)
    reader.stdin.close()
    reader.wait()
    assert result.returncode == 0 and result.stderr == b"", result.stderr


def test_a_latin1_terminal_gets_every_character_it_can_show():
    table = run_tool("call", SAMPLE, env={"PYTHONIOENCODING": "latin-1"})
    assert table.returncode == 0, table.stderr
    assert b"\\u2212174G/C" in table.stdout                        # "−174G/C", escaped, not a crash
    as_json = run_tool("call", "--json", SAMPLE, env={"PYTHONIOENCODING": "latin-1"})
    assert as_json.returncode == 0 and as_json.stdout.isascii()
    utf8 = run_tool("call", "--json", SAMPLE, env={"PYTHONIOENCODING": "utf-8"})
    import json
    assert json.loads(as_json.stdout) == json.loads(utf8.stdout)


@pytest.mark.parametrize("other", ["--json", "--pdf"])
def test_two_outputs_on_one_path_are_refused(tmp_path, other):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", SAMPLE, "-o", str(out), other, str(out)])
    one_line_exit_2(result, "is named for two outputs")
    assert not out.exists()


def test_an_unreadable_input_sheet_or_roster_is_one_line(tmp_path, monkeypatch):
    """As a user who may not read the file (root reads anything, so the denial is simulated)."""
    import builtins

    sheet, roster = tmp_path / "labs.csv", tmp_path / "roster.csv"
    locked = tmp_path / "locked.txt"
    for path in (sheet, roster, locked):
        path.write_text("x")
    real_open, real_access = builtins.open, os.access
    denied = {str(sheet), str(roster), str(locked)}

    def deny_open(file, *args, **kwargs):
        if str(file) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny_open)
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: str(p) not in denied and real_access(p, mode, *a, **k))
    one_line_exit_2(CliRunner().invoke(cli, ["call", str(locked)]), "cannot be read (Permission denied)")
    one_line_exit_2(CliRunner().invoke(cli, ["report", SAMPLE, "--labs", str(sheet), "-o", str(tmp_path / "r.html")]),
                    "Permission denied")
    one_line_exit_2(CliRunner().invoke(cli, ["batch", SAMPLE, "--roster", str(roster), "-o", str(tmp_path / "t")]),
                    "Permission denied")


def test_a_terminated_report_leaves_nothing_half_written(tmp_path, monkeypatch):
    from itbs_geno import cli as cli_module

    out = tmp_path / "r.html"
    out.write_text("the old report")

    def killed_mid_write(handle, text):
        handle.write(text[:100])
        cli_module._terminate(15, None)              # SIGTERM arrives while the report is written

    break_writes(monkeypatch, killed_mid_write)
    result = CliRunner().invoke(cli, ["report", SAMPLE, "-o", str(out)])
    assert result.exit_code == 143 and result.stderr.startswith("Terminated:") and result.stderr.count("\n") == 1
    assert out.read_text() == "the old report" and sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
