"""Team batch: mixed vendors, a multi-sample VCF and a broken file in one folder; roster,
duplicates, re-runs, strict mode, the coach view, and the same results on a Dask cluster."""

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from itbs_geno import batch
from itbs_geno.cli import cli
from itbs_geno.errors import InputError

from conftest import DATA, SAMPLES
from vcf_factory import Vcf

SQUAD_VCF_SAMPLES = ["Dee", "Eli"]


@pytest.fixture
def squad(tmp_path):
    folder = tmp_path / "downloads"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip", folder / "ana_23andme.zip")
    shutil.copy(SAMPLES / "synthetic_ancestry.zip", folder / "ben_ancestry.zip")
    shutil.copy(DATA / "formats" / "myheritage_quoted.csv", folder / "nested" / "cai_myheritage.csv")
    records = [("11", 66560624, "C", "T", ["0/1", "1/1"]), ("9", 134842570, "C", "T", ["0/0", "0/1"])]
    Vcf(samples=SQUAD_VCF_SAMPLES, records=records).write(folder, name="squad", kind="tbi")
    (folder / "squad.vcf").unlink()                       # keep only the bgzipped copy and its index
    (folder / "broken.txt").write_text("this is not a genotype file\n")
    (folder / "README.md").write_text("notes\n")
    return folder


def run(*args):
    return CliRunner().invoke(cli, ["batch", *[str(a) for a in args]])


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_mixed_folder_gives_one_report_per_athlete_and_lists_the_broken_file(tmp_path, squad):
    out = tmp_path / "team"
    result = run(squad, "-o", out, "--jobs", "2")
    assert result.exit_code == batch.EXIT_SOME_FAILED == 3
    assert "FAILED " in result.stderr and "broken.txt: not a recognised genotype file" in result.stderr
    athletes = ["ana_23andme", "ben_ancestry", "cai_myheritage", "Dee", "Eli"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{a}.html" for a in athletes] + [f"{a}.json" for a in athletes]
        + ["team.csv", "team.html", "team.ics", "team.json", "team.xlsx"])
    team = json.loads((out / "team.json").read_text())
    assert [a["id"] for a in team["athletes"]] == athletes            # input order, samples in file order
    assert [f["input"].rsplit("/", 1)[-1] for f in team["failures"]] == ["broken.txt"]
    assert any(s.endswith("README.md") for s in team["skipped"]) and any(s.endswith(".tbi") for s in team["skipped"])
    rows = {r["athlete_id"]: r for r in read_csv(out / "team.csv")}
    ana = rows["ana_23andme"]
    assert ana["ACTN3_rs1815739_genotype"] == "TT" and ana["ACTN3_rs1815739_result"] == "higher"
    assert rows["ben_ancestry"]["format"] == "ancestry" and rows["cai_myheritage"]["format"] == "myheritage"
    assert rows["Eli"]["ACTN3_rs1815739_genotype"] == "TT" and rows["Dee"]["COL5A1_rs12722_genotype"] == "CC"
    assert rows["Dee"]["markers_called"] == "2" and rows["Dee"]["build"] == "GRCh38"
    page = (out / "team.html").read_text()
    assert "broken.txt" in page and '<a href="ana_23andme.html">' in page
    assert 'id="by-discuss"' in page and "<script" not in page
    assert not [p for p in out.iterdir() if p.name.startswith(".")]   # no temporary files left


def test_pool_and_sequential_agree(tmp_path, squad):
    items, _ = batch.expand([str(squad)])
    sequential = batch.run(items, jobs=1)
    pooled = batch.run(items, jobs=2)
    assert [type(o).__name__ for o in sequential] == [type(o).__name__ for o in pooled]
    assert [o if isinstance(o, batch.Failure) else [r.findings for r in o] for o in sequential] == \
           [o if isinstance(o, batch.Failure) else [r.findings for r in o] for o in pooled]


def test_dask_local_cluster_gives_the_same_results(tmp_path, squad, panel, monkeypatch):
    import dask.distributed as distributed
    import distributed.comm.inproc

    # distributed finds its own address by "connecting" a UDP socket to 8.8.8.8; the
    # in-process cluster needs no address, and the no-network guard stays on.
    monkeypatch.setattr(distributed.comm.inproc, "get_ip", lambda *a, **k: "127.0.0.1")
    items, _ = batch.expand([str(squad)])
    local = batch.run(items, jobs=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        ticks = []
        remote = batch.run(items, jobs=1, scheduler=cluster.scheduler_address, tick=lambda: ticks.append(1))
        with pytest.raises(InputError, match="--strict: stopped at the first failure"):
            batch.run(items, jobs=1, scheduler=cluster.scheduler_address, strict=True)
        via_url = batch.run([f"file://{items[0]}"], jobs=1, scheduler=cluster.scheduler_address)
        cli_run = run(squad, "-o", tmp_path / "team", "--scheduler", cluster.scheduler_address)
    summary = lambda outcomes: [o.message if isinstance(o, batch.Failure) else  # noqa: E731
                                [(r.sample, r.findings) for r in o] for o in outcomes]
    assert summary(remote) == summary(local)
    assert len(ticks) == len(items)             # the progress bar moves on a cluster too
    assert [r.findings for r in via_url[0]] == [r.findings for r in local[0]]
    assert cli_run.exit_code == 3
    team = json.loads((tmp_path / "team" / "team.json").read_text())
    assert [a["id"] for a in team["athletes"]] == ["ana_23andme", "ben_ancestry", "cai_myheritage", "Dee", "Eli"]


def test_roster_names_athletes_and_adds_columns(tmp_path, squad):
    roster = tmp_path / "roster.csv"
    roster.write_text("file,sample,athlete_id,name,sport,position\n"
                      "ana_23andme.zip,,A01,Ana Ruiz,running,10k\n"
                      ",Dee,D04,Dee Obi,rugby,wing\n")
    out = tmp_path / "team"
    run(squad, "-o", out, "--roster", roster)
    rows = {r["athlete_id"]: r for r in read_csv(out / "team.csv")}
    assert rows["A01"]["name"] == "Ana Ruiz" and rows["A01"]["sport"] == "running"
    assert rows["D04"]["position"] == "wing" and rows["Eli"]["sport"] == ""
    assert (out / "A01.html").exists() and "Ana Ruiz" in (out / "team.html").read_text()


def test_duplicate_content_and_duplicate_ids_are_errors_naming_both(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic_23andme.txt", folder / "a.txt")
    shutil.copy(SAMPLES / "synthetic_23andme.txt", folder / "b.txt")
    shutil.copy(SAMPLES / "synthetic_ancestry.txt", folder / "c.txt")
    roster = tmp_path / "roster.csv"
    roster.write_text("file,athlete_id\na.txt,same\nc.txt,same\n")
    out = tmp_path / "team"
    result = run(folder, "-o", out, "--roster", roster, "--jobs", "1")
    assert result.exit_code == 3
    failures = json.loads((out / "team.json").read_text())["failures"]
    messages = " | ".join(f["message"] for f in failures)
    assert "b.txt: the same content as" in messages and "a.txt" in messages
    assert 'c.txt: athlete id "same" is already used by' in messages
    assert sorted(p.name for p in out.glob("*.html")) == ["same.html", "team.html"]


def test_rerun_replaces_outputs_and_removes_stale_ones(tmp_path, squad):
    out = tmp_path / "team"
    run(squad, "-o", out)
    assert (out / "Dee.html").exists()
    (squad / "squad.vcf.gz").unlink()
    (squad / "squad.vcf.gz.tbi").unlink()
    unrelated = out / "my_notes.txt"
    unrelated.write_text("keep me")
    run(squad, "-o", out)
    assert not (out / "Dee.html").exists() and not (out / "Eli.json").exists()
    assert unrelated.read_text() == "keep me"                  # only files a run wrote are removed


def test_strict_stops_at_the_first_failure(tmp_path, squad):
    result = run(squad, "-o", tmp_path / "team", "--strict", "--jobs", "1")
    assert result.exit_code == 2
    assert "broken.txt" in result.stderr and "--strict" in result.stderr


def test_all_good_is_exit_0_and_quiet_when_not_a_terminal(tmp_path):
    result = run(SAMPLES / "synthetic_23andme.txt", SAMPLES / "synthetic_ancestry.txt", "-o", tmp_path / "t")
    assert result.exit_code == 0
    assert "Reading" not in result.stderr and result.stdout == ""


def test_coach_view_has_tiers_but_no_genotypes(tmp_path, squad):
    out = tmp_path / "team"
    run(squad, "-o", out, "--coach-view")
    page = (out / "team_coach.html").read_text()
    assert "result tiers only" in page and '<span aria-hidden="true">▲</span> higher' in page
    assert "TT" not in page and "(XX)" not in page and ".html\"" not in page
    columns = read_csv(out / "team_coach.csv")[0].keys()
    assert "ACTN3_rs1815739_result" in columns and not any(c.endswith("_genotype") for c in columns)


def test_team_labs_are_matched_by_athlete(tmp_path, squad):
    sheet = tmp_path / "labs.csv"
    sheet.write_text("marker,value,unit,athlete\nFerritin,20,ng/mL,ana_23andme\nFerritin,90,ng/mL,Eli\n")
    out = tmp_path / "team"
    run(squad, "-o", out, "--labs", sheet)
    rows = {r["athlete_id"]: r for r in read_csv(out / "team.csv")}
    assert (rows["ana_23andme"]["ferritin_band"], rows["Eli"]["ferritin_value"], rows["Dee"]["ferritin_value"]) == \
           ("suboptimal", "90", "")


def test_spreadsheet_formulas_in_names_are_neutralised(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic_23andme.txt", folder / "x.txt")
    roster = tmp_path / "roster.csv"
    roster.write_text('file,athlete_id,name\nx.txt,x1,"=HYPERLINK(""http://evil"")"\n')
    out = tmp_path / "team"
    run(folder, "-o", out, "--roster", roster)
    assert read_csv(out / "team.csv")[0]["name"].startswith("'=")
    assert "<a href=\"http://evil" not in (out / "team.html").read_text()


def test_dask_over_tcp_on_loopback(tmp_path, squad, monkeypatch):
    """--scheduler tcp://HOST:PORT as a user gives it, on a LocalCluster with worker processes.
    The no-network guard is narrowed to loopback for this test; anything else still fails."""
    import _socket
    import socket

    import dask.distributed as distributed

    def loopback_only(connect):
        def guarded(sock, address, *args):
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1", "localhost"):
                raise AssertionError(f"itbs-geno tried to reach {address}")
            return connect(sock, address, *args)
        return guarded

    monkeypatch.setattr(socket.socket, "connect", loopback_only(_socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", loopback_only(_socket.socket.connect_ex))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        result = run(squad, "-o", tmp_path / "team", "--scheduler", address)
    assert result.exit_code == 3, result.output
    team = json.loads((tmp_path / "team" / "team.json").read_text())
    assert [a["id"] for a in team["athletes"]] == ["ana_23andme", "ben_ancestry", "cai_myheritage", "Dee", "Eli"]
    assert "broken.txt" in team["failures"][0]["input"]
