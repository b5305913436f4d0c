"""Hostile lab sheets, rosters and batch runs (issue 11, items 5, 10, 16-19 and part of 20): each
gives exit 2 with one line, or a correct run; never a traceback, a hang, a lost or overwritten
report, a network connection nobody asked for, or thousands of processes."""

import csv
import fcntl
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from itbs_geno import batch, output, team
from itbs_geno.cli import cli

from conftest import ROOT, SAMPLES

V5 = (SAMPLES / "synthetic_23andme.txt").read_text()
GENOME = str(SAMPLES / "synthetic_23andme.txt")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_exit_2(result, message):
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def lab_sheet(tmp_path, *rows, header="marker,value,unit,date,athlete,ref_low,ref_high"):
    path = tmp_path / "labs.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def report_with_labs(tmp_path, sheet):
    return run("report", GENOME, "--labs", sheet, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json")


def squad(tmp_path, count=2):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for i in range(count):
        (folder / f"a{i:02d}.txt").write_text(V5.replace("build 37", f"build 37 ({i})"))
    return folder


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


# ---- item 5: lab sheets ---------------------------------------------------------------------

def test_a_lab_date_in_year_9999_is_refused_not_a_traceback(tmp_path):
    result = report_with_labs(tmp_path, lab_sheet(tmp_path, "Ferritin,80,ng/mL,9999-12-31"))
    one_line_exit_2(result, 'date "9999-12-31" is not between 1900-01-01 and today')
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("date", ["2026-W37-2", "20260915", "2026-09-15T10:00", "2026-9-15", "１２３４-01-01",
                                  "2026-02-30", "1899-12-31"])
def test_only_real_yyyy_mm_dd_dates_in_a_plausible_window(tmp_path, date):
    one_line_exit_2(report_with_labs(tmp_path, lab_sheet(tmp_path, f"Ferritin,80,ng/mL,{date}")), "date")


def test_the_date_window_ends_at_the_run_date(tmp_path, labs_panel):
    import datetime as dt

    from itbs_geno.errors import InputError
    from itbs_geno.labs import read_sheet

    path = lab_sheet(tmp_path, "Ferritin,80,ng/mL,2026-09-15")
    assert read_sheet(path, labs_panel, today=dt.date(2026, 9, 14))[0].date == dt.date(2026, 9, 15)  # a day's slack
    with pytest.raises(InputError, match="not between 1900-01-01 and today"):
        read_sheet(path, labs_panel, today=dt.date(2026, 9, 1))


@pytest.fixture(scope="module")
def labs_panel(panel):
    from itbs_geno.lab_panel import load_lab_panel
    return load_lab_panel(panel)


def test_a_huge_reference_range_is_refused_not_written_as_infinity(tmp_path):
    result = report_with_labs(tmp_path, lab_sheet(tmp_path, "P1NP,40,ng/mL,,,1e306,1e307"))
    one_line_exit_2(result, 'ref_low "1e306" is not a number')
    digits = report_with_labs(tmp_path, lab_sheet(tmp_path, "P1NP,40,ng/mL,,,15,99999999"))
    one_line_exit_2(digits, "ref_high 99999999 is not a possible P1NP")
    assert "reference limit (expected 0–3000 µg/L)" in digits.stderr
    assert not (tmp_path / "r.json").exists()


def test_team_json_can_never_hold_nan_or_infinity():
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        team._dumps({"ref_high": float("inf")})


@pytest.mark.parametrize("value", ["1_5", "1e3", "0x10", "١٥", "15.0.1", "1,5", "+15", "inf", "nan", "1" * 40])
def test_lab_values_are_plain_decimal_numbers(tmp_path, value):
    one_line_exit_2(report_with_labs(tmp_path, lab_sheet(tmp_path, f'Ferritin,"{value}",ng/mL')),
                    "is not a number")


def test_a_cell_with_a_newline_or_escapes_is_shown_on_one_visible_line(tmp_path):
    sheet = lab_sheet(tmp_path, '"Ferr\nitin \x1b]0;owned\x07\u202e",80,ng/mL')
    result = report_with_labs(tmp_path, sheet)
    one_line_exit_2(result, r'unknown marker "Ferr\x0aitin \x1b]0;owned\x07\u202e"')
    long = report_with_labs(tmp_path, lab_sheet(tmp_path, f'"{"X" * 5000}",80,ng/mL'))
    one_line_exit_2(long, "unknown marker")
    assert len(long.stderr) < 600


# Hostile sheet shapes, as a lab sheet (report and batch) and as a roster.
SHAPES = {
    "empty file": (b"", "needs the columns"),
    "empty header line": (b"\nFerritin,80,ng/mL\n", "needs the columns"),
    "BOM only": (b"\xef\xbb\xbf", "needs the columns"),
    "duplicate column names": (b"marker,value,unit,value\nFerritin,80,ng/mL,90\n", '"value" appears twice'),
    "a column named with only spaces": (b"marker,value,unit,   \nFerritin,80,ng/mL,x\n", None),
    "NUL bytes": (b"marker,value,unit\nFerritin,80,ng/\x00mL\n", r'unit "ng/\x00mL" is not one for Ferritin'),
    "UTF-16 with BOM": ("marker,value,unit\nFerritin,80,ng/mL\n".encode("utf-16"), None),
    "latin-1": ("marker,value,unit\nFerritin,80,µg/L\n".encode("latin-1"), "not UTF-8 text"),
    "a 100 MB sheet": (None, "far too big for a lab sheet"),
    "a 200 KB cell": (b"marker,value,unit\n" + b"F" * 200_000 + b",80,ng/mL\n", "not a readable CSV lab sheet"),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_hostile_lab_sheet_shapes(tmp_path, name):
    content, message = SHAPES[name]
    path = tmp_path / "labs.csv"
    if content is None:
        with open(path, "wb") as fh:               # sparse: 100 MB long, nothing on disk
            fh.truncate(100 << 20)
    else:
        path.write_bytes(content)
    result = report_with_labs(tmp_path, path)
    if message is None:
        assert result.exit_code == 0, result.output
        assert json.loads((tmp_path / "r.json").read_text())["biomarkers"][0]["value"] == 80
    else:
        one_line_exit_2(result, message)


@pytest.mark.parametrize("option", ["--labs", "--roster"])
def test_a_folder_given_as_labs_or_roster(tmp_path, option):
    folder = tmp_path / "sheets"
    folder.mkdir()
    one_line_exit_2(run("batch", GENOME, "-o", tmp_path / "team", option, folder), "is a folder")
    assert not (tmp_path / "team").exists()
    if option == "--labs":
        one_line_exit_2(run("report", GENOME, "--labs", folder, "-o", tmp_path / "r.html"), "is a folder")


# ---- item 10: rosters -----------------------------------------------------------------------

@pytest.mark.parametrize("athlete_id", ["team", "Team", "TEAM_COACH", "team.", " team "])
def test_a_roster_id_that_is_a_team_file_name_is_refused_before_any_output(tmp_path, athlete_id):
    folder = squad(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"file,athlete_id\na00.txt,{athlete_id}\n")
    result = run("batch", folder, "-o", tmp_path / "team", "--roster", roster)
    one_line_exit_2(result, "is the name of the team summary files; choose another")
    assert not (tmp_path / "team").exists()


def test_an_input_named_team_never_overwrites_the_team_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "team.txt").write_text(V5)
    (folder / "b.txt").write_text(V5.replace("build 37", "build 37 (b)"))
    out = tmp_path / "out"
    result = run("batch", folder, "-o", out)
    assert result.exit_code == 3, result.output
    data = json.loads((out / "team.json").read_text())
    assert [a["id"] for a in data["athletes"]] == ["b"] and "athlete_id" not in data
    assert 'athlete id "team" is the name of the team summary files' in data["failures"][0]["message"]
    assert "Team summary" in (out / "team.html").read_text()


@pytest.mark.parametrize("column", ["input", "Format", "results_to_discuss", "needs_attention",
                                    "ACTN3_rs1815739_genotype", "ferritin_band", "ferritin_retest"])
def test_a_free_roster_column_may_not_shadow_a_team_csv_column(tmp_path, column):
    folder = squad(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"file,athlete_id,{column}\na00.txt,A1,mine\n")
    one_line_exit_2(run("batch", folder, "-o", tmp_path / "team", "--roster", roster),
                    "has the name of a team.csv column; rename it")


def test_roster_with_duplicate_columns_is_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("file,sport,Sport\na00.txt,x,y\n")
    one_line_exit_2(run("batch", squad(tmp_path), "-o", tmp_path / "team", "--roster", roster), "appears twice")


def test_formula_column_names_are_escaped_in_the_csv_header(tmp_path):
    folder = squad(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text('file,athlete_id,"=HYPERLINK(""http://evil"")",+sum,@x,-y,"\tz"\na00.txt,A1,1,2,3,4,5\n')
    out = tmp_path / "team"
    result = run("batch", folder, "-o", out, "--roster", roster, "--coach-view")
    assert result.exit_code == 0, result.output
    for name in ("team.csv", "team_coach.csv"):
        header = read_csv(out / name)[0]
        free = header[2:7]
        assert free == ["'=hyperlink(\"http://evil\")", "'+sum", "'@x", "'-y", "z"], free     # names are stripped
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in read_csv(out / name) for cell in row)


def test_a_300_character_athlete_id_gives_a_bounded_unique_file_name(tmp_path):
    folder = squad(tmp_path, 3)
    roster = tmp_path / "roster.csv"
    long = "A" * 300
    roster.write_text(f"file,athlete_id\na00.txt,{long}\na01.txt,{long}B\na02.txt,{long}\n")
    out = tmp_path / "team"
    result = run("batch", folder, "-o", out, "--roster", roster)
    assert result.exit_code == 3, result.output                 # a02 repeats a01's id: listed, not lost
    data = json.loads((out / "team.json").read_text())
    ids = [a["id"] for a in data["athletes"]]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(len(i) <= output.MAX_NAME for i in ids)
    assert all((out / f"{i}.html").exists() for i in ids)
    assert "already used by" in data["failures"][0]["message"]


def test_bidi_and_zero_width_characters_are_dropped_from_displayed_names(tmp_path):
    folder = squad(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("file,athlete_id,name,sport\n"
                      "a00.txt,\u202eA1\u200b,\u2066Ana\u2069 \u202eztiR\ufeff,run\u200bning\n", encoding="utf-8")
    out = tmp_path / "team"
    assert run("batch", folder, "-o", out, "--roster", roster).exit_code == 0
    rows = read_csv(out / "team.csv")
    assert rows[1][:3] == ["A1", "Ana ztiR", "running"]
    page = (out / "team.html").read_text()
    assert not any(c in page for c in "\u202e\u200b\u2066\u2069")
    assert (out / "A1.html").exists()


def test_display_keeps_joiners_that_scripts_need():
    from itbs_geno import sheets

    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"       # a ZWNJ that belongs to the word
    assert sheets.display(persian) == persian
    assert sheets.display("a\nb\x1b[2Jc\u202e") == "a b [2Jc"


@pytest.mark.parametrize("name, safe", [
    ("CON", "CON_"), ("nul.txt", "nul_.txt"), ("Com1", "Com1_"), ("LPT9.tar.gz", "LPT9_.tar.gz"), ("aux", "aux_"),
    ("PRN", "PRN_"), ("console", "console"), ("\u202eevil\u200bname\u2066", "evil_name"), ("..", "sample"),
])
def test_safe_name_avoids_windows_devices_and_invisible_characters(name, safe):
    assert output.safe_name(name) == safe


def test_safe_names_are_bounded_and_stay_distinct():
    names = output.safe_names(["x" * 300, "x" * 299 + "y", "x" * 300])
    assert len({n.lower() for n in names}) == 3 and all(len(n) <= output.MAX_NAME + 2 for n in names)


def test_a_windows_device_name_as_input(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "CON.txt").write_text(V5)
    out = tmp_path / "team"
    assert run("batch", folder, "-o", out).exit_code == 0
    assert (out / "CON_.html").exists()


# ---- item 16: remote inputs only when asked -------------------------------------------------

@pytest.fixture
def no_fsspec(monkeypatch):
    import fsspec

    def refuse(*args, **kwargs):
        raise AssertionError("fsspec.open was called")
    monkeypatch.setattr(fsspec, "open", refuse)


@pytest.mark.parametrize("url", ["ftp://example.org/genome.txt", "https://example.org/g.txt",
                                 "zip::s3://bucket/g.zip", "memory://g.txt"])
def test_a_url_is_not_fetched_without_remote_inputs(tmp_path, no_fsspec, url):
    result = run("batch", GENOME, url, "-o", tmp_path / "team")
    one_line_exit_2(result, "a URL, and remote inputs are off; add --remote-inputs")
    assert not (tmp_path / "team").exists()


def test_the_batch_api_refuses_urls_too(no_fsspec):
    [failure] = batch.run(["ftp://example.org/genome.txt"], jobs=1)
    assert "remote inputs are off" in failure.message


def test_remote_inputs_when_asked(tmp_path, monkeypatch):
    import fsspec

    fetched = []

    def fake_open(url, mode):
        fetched.append(url)
        return io.BytesIO(V5.encode())
    monkeypatch.setattr(fsspec, "open", fake_open)
    result = run("batch", "ftp://example.org/ana.txt", "-o", tmp_path / "team", "--remote-inputs")
    assert result.exit_code == 0, result.output
    assert fetched == ["ftp://example.org/ana.txt"] and (tmp_path / "team" / "ana.html").exists()


# ---- item 17: a sane pool size --------------------------------------------------------------

def test_pool_size_is_capped_by_inputs_and_cores():
    cores = batch.default_jobs()
    assert batch.pool_size(10000, 3) == 3
    assert batch.pool_size(10000, 10**6) == batch.WORKERS_PER_CORE * cores
    assert batch.pool_size(2, 50) == 2 and batch.pool_size(1, 0) == 1


def test_jobs_10000_on_two_inputs_starts_two_workers_and_says_so(tmp_path, monkeypatch):
    sizes = []
    real = batch.ProcessPoolExecutor

    def recording(max_workers, **kwargs):
        sizes.append(max_workers)
        return real(max_workers=max_workers, **kwargs)
    monkeypatch.setattr(batch, "ProcessPoolExecutor", recording)
    result = run("batch", squad(tmp_path), "-o", tmp_path / "team", "--jobs", "10000")
    assert result.exit_code == 0, result.output
    assert sizes == [2]
    assert "Note: --jobs 10000 lowered to 2 worker process(es)" in result.stderr


# ---- item 18: scheduler addresses and silent or junk servers --------------------------------

@pytest.mark.parametrize("address", ["tcp://", "tcp://host:99999", "tcp://[::1", "junk", "tcp://host:0",
                                     "tcp://host:-1", "http://host:80", "tcp://ho st:1", "tcp://host:1/x?y",
                                     "tcp://host:1\nsecond line", "tcp://" + "9" * 5000])
def test_malformed_scheduler_addresses(tmp_path, address):
    result = run("batch", GENOME, "-o", tmp_path / "team", "--scheduler", address)
    one_line_exit_2(result, "not a scheduler address; give tcp://HOST:PORT")
    assert len(result.stderr) < 300 and not (tmp_path / "team").exists()


@pytest.fixture
def server():
    """A loopback server that accepts and then says nothing, or sends junk."""
    servers = []

    def start(reply: bytes | None):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        held = []

        def serve():
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                held.append(conn)
                if reply:
                    conn.sendall(reply)
        threading.Thread(target=serve, daemon=True).start()
        servers.append((sock, held))
        return f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    yield start
    for sock, held in servers:
        sock.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize("reply, message", [
    (None, "no answer from a Dask scheduler within 2 s"),
    (bytes(range(256)) * 4, "not a Dask scheduler, or not reachable"),
    (b"\x01\x00\x00\x00\x00\x00\x00\x00" + b"\xff" * 64, "not a Dask scheduler"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "not a Dask scheduler"),
])
def test_a_silent_or_junk_scheduler_gives_one_line_in_seconds(tmp_path, server, reply, message):
    """Run in a subprocess: it connects to loopback only, and the conftest's no-network guard
    stays on in this process. The timeout is a generous hang guard, not a timing claim."""
    address = server(reply)
    proc = subprocess.run([sys.executable, "-m", "itbs_geno", "batch", GENOME, "-o", str(tmp_path / "team"),
                           "--scheduler", address], check=False, cwd=ROOT, capture_output=True, text=True, timeout=90,
                          env={**os.environ, "ITBS_GENO_SCHEDULER_TIMEOUT": "2"})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["0", "-5", "nan", "soon", "1e9"])
def test_a_bad_scheduler_timeout_setting(tmp_path, monkeypatch, value):
    monkeypatch.setenv("ITBS_GENO_SCHEDULER_TIMEOUT", value)
    one_line_exit_2(run("batch", GENOME, "-o", tmp_path / "team", "--scheduler", "tcp://127.0.0.1:1"),
                    "ITBS_GENO_SCHEDULER_TIMEOUT")


# ---- item 19: one run per folder, clean after kills, no orphans -----------------------------

def test_a_second_run_into_a_busy_folder_is_refused(tmp_path):
    out = tmp_path / "team"
    out.mkdir()
    with open(out / ".itbs-geno.lock", "w") as held:           # as a running batch holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run("batch", GENOME, "-o", out)
    one_line_exit_2(result, "another itbs-geno batch is writing to this folder")
    assert sorted(p.name for p in out.iterdir()) == [".itbs-geno.lock"]
    assert run("batch", GENOME, "-o", out).exit_code == 0       # free again: it runs, and tidies up
    assert ".itbs-geno.lock" not in [p.name for p in out.iterdir()]


def test_a_rerun_removes_temporary_files_a_killed_run_left(tmp_path):
    out = tmp_path / "team"
    out.mkdir()
    ours = [".a00.html.k2j_9x1q.part", ".team.json.abcd1234.part", ".A1.json.zzzzzzzz.part"]
    theirs = [".notes.part", ".x.html.ABCDEFGH.part", "a00.html.k2j_9x1q.part", ".dir.html.abcd1234.part"]
    for name in ours + theirs[:-1]:
        (out / name).write_text("18,551 genotypes")
    (out / theirs[-1]).mkdir()
    assert run("batch", GENOME, "-o", out).exit_code == 0
    left = {p.name for p in out.iterdir()}
    assert not left & set(ours) and set(theirs) <= left


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_batch(tmp_path, count=150):
    folder = squad(tmp_path, count)
    out = tmp_path / "team"
    proc = subprocess.Popen([sys.executable, "-m", "itbs_geno", "batch", str(folder), "-o", str(out), "--jobs", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = children(proc.pid)
    assert len(workers) == 2 and proc.poll() is None, "the pool did not start"
    return proc, workers, out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_stops_the_batch_like_ctrl_c(tmp_path):
    proc, workers, out = start_batch(tmp_path)
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=60)
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1].startswith("Terminated: every output is either its old or its new")
    assert "Traceback" not in stderr
    assert not out.exists() or [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; prctl is Linux-only")
def test_workers_die_with_a_killed_parent(tmp_path):
    proc, workers, _ = start_batch(tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [pid for pid in workers if alive(pid)]
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    assert orphans == []


def test_workers_exit_when_their_parent_is_gone(monkeypatch):
    exits = []
    monkeypatch.setattr(batch, "_parent", os.getppid() + 1)
    monkeypatch.setattr(batch.os, "_exit", exits.append)
    batch._exit_if_orphaned()
    assert exits == [1]


# ---- item 20: a failed input's earlier report is kept, and every removal is listed ----------

def test_a_failed_inputs_earlier_report_is_kept_and_marked(tmp_path):
    folder = squad(tmp_path, 2)
    out = tmp_path / "team"
    assert run("batch", folder, "-o", out).exit_code == 0
    earlier = (out / "a01.html").read_text()
    (folder / "a01.txt").write_text("this download broke\n")
    second = run("batch", folder, "-o", out)
    assert second.exit_code == 3
    assert (out / "a01.html").read_text() == earlier and (out / "a01.json").exists()
    data = json.loads((out / "team.json").read_text())
    [failure] = data["failures"]
    assert failure["kept"]["files"] == ["a01.html", "a01.json"] and failure["kept"]["date"] == data["date"]
    assert {"a01.html", "a01.json"} <= set(data["outputs"]) and data["removed"] == []
    assert "Kept from the run of" in (out / "team.html").read_text()
    assert "Kept from an earlier run for inputs that failed now (not updated): a01.html, a01.json" in second.stderr
    third = run("batch", folder, "-o", out)                    # still failing: still kept
    assert third.exit_code == 3 and (out / "a01.html").exists()
    (folder / "a01.txt").unlink()                               # no longer an input: removed, and listed
    fourth = run("batch", folder, "-o", out)
    assert fourth.exit_code == 0 and not (out / "a01.html").exists()
    assert json.loads((out / "team.json").read_text())["removed"] == ["a01.html", "a01.json"]
    assert "Removed outputs of an earlier run that this run did not write: a01.html, a01.json" in fourth.stderr


def test_an_interrupt_inside_mkstemp_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Ctrl-C can land after mkstemp made the file and before write_atomic can clean it up (found by
    the interrupt test under load): the batch removes it on the way out, as it holds the folder."""
    import tempfile

    real = tempfile.mkstemp
    calls = []

    def interrupted(*args, **kwargs):
        made = real(*args, **kwargs)
        calls.append(made[1])
        if len(calls) == 3:
            os.close(made[0])
            raise KeyboardInterrupt
        return made
    monkeypatch.setattr(output.tempfile, "mkstemp", interrupted)
    out = tmp_path / "team"
    result = CliRunner().invoke(cli, ["batch", str(SAMPLES / "synthetic_23andme.txt"), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 130 and len(calls) == 3
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
