"""Several files of one person (issue 16, item 3): `report a b` merges the calls site by site,
lists every file with its SHA-256, flags a disagreement as a no-call naming both files and
genotypes, and refuses two different people with the agreement rate."""

import hashlib
import json

from click.testing import CliRunner

from itbs_geno.cli import cli

from conftest import SAMPLES

TXT = SAMPLES / "synthetic_23andme.txt"
ZIP = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"     # the same person's download, zipped
ANCESTRY = SAMPLES / "synthetic_ancestry.txt"                      # another person


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output + result.stderr
    return result


def merged(tmp_path, *files):
    run("report", *files, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    return data, {m["rsid"]: m for m in data["markers"]}, (tmp_path / "r.html").read_text()


def edited(tmp_path, name, old, new):
    """A copy of the 23andMe sample with one line changed (or removed, when `new` is empty)."""
    text = TXT.read_text()
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def test_two_files_that_agree(tmp_path):
    data, markers, html = merged(tmp_path, TXT, ZIP)
    assert markers["rs12722"]["agreement"] == "called (2 files agree)"
    assert markers["rs12722"]["per_file"] == [
        {"file": "synthetic_23andme.txt", "status": "called", "genotype": "TT"},
        {"file": ZIP.name, "status": "called", "genotype": "TT"}]
    assert [f["sha256"] for f in data["files"]] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in (TXT, ZIP)]
    assert hashlib.sha256(ZIP.read_bytes()).hexdigest() in html and "called (2 files agree)" in html


def test_two_files_that_disagree_at_one_site(tmp_path):
    other = edited(tmp_path, "second.txt", "rs1815739\t11\t66328095\tTT", "rs1815739\t11\t66328095\tCT")
    _, markers, html = merged(tmp_path, TXT, other)
    actn3 = markers["rs1815739"]
    assert (actn3["status"], actn3["genotype"], actn3["result"]) == ("no-call", None, None)
    assert actn3["flag"] == ("the files disagree: synthetic_23andme.txt says TT, second.txt says CT; "
                             "not interpreted until a lab confirms it")
    assert markers["rs12722"]["agreement"] == "called (2 files agree)"
    assert "synthetic_23andme.txt says TT, second.txt says CT" in html


def test_a_site_called_in_one_file_only_keeps_that_call_with_a_note(tmp_path):
    other = edited(tmp_path, "second.txt", "rs12722\t9\t137734416\tTT\n", "")
    _, markers, _ = merged(tmp_path, TXT, other)
    assert markers["rs12722"]["genotype"] == "TT"
    assert markers["rs12722"]["agreement"] == "called in synthetic_23andme.txt only (second.txt: not-tested)"


def test_files_of_two_people_are_refused_with_the_agreement_rate(tmp_path):
    result = run("report", TXT, ANCESTRY, "-o", tmp_path / "r.html", code=2)
    assert result.stderr.strip() == (
        "Error: synthetic_23andme.txt and synthetic_ancestry.txt look like two different people: they agree "
        "at 0 of the 4 panel sites both call (0%); give one person's files together, or run a report for each file")
    assert not (tmp_path / "r.html").exists()
