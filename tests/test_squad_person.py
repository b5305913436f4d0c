"""The person behind each athlete of a batch (issue 16): roster profile columns, an outside_calls
column, and a roster row naming several files of one athlete (separated by ";")."""

import json
import shutil

from click.testing import CliRunner

from itbs_geno.cli import cli

from conftest import SAMPLES


def squad(tmp_path, roster: str, outside: str | None = None):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic_23andme.txt", folder / "ann_23andme.txt")
    shutil.copy(SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip", folder / "ann_download.zip")
    shutil.copy(SAMPLES / "synthetic_ancestry.txt", folder / "bo_ancestry.txt")
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    if outside:
        (tmp_path / "bo_outside.tsv").write_text(outside, encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(folder), "-o", str(tmp_path / "team"), "--roster",
                                      str(tmp_path / "roster.csv"), "-q", "--jobs", "1"])
    return result


def test_roster_profile_outside_calls_and_several_files(tmp_path):
    roster = ("file,athlete_id,name,sex,longest_run_km,injuries,outside_calls\n"
              "ann_23andme.txt;ann_download.zip,A1,Ann,female,18,itbs left 2025-09-01,\n"
              "bo_ancestry.txt,B2,Bo,male,,,bo_outside.tsv\n")
    result = squad(tmp_path, roster, "rs3025058\t5A/5A\tExample Clinical Lab\t2026-10-02\n")
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "team" / "team.json").read_text())
    ann, bo = (a["result"] for a in data["athletes"])
    assert [f["path"].rsplit("/", 1)[-1] for f in ann["files"]] == ["ann_23andme.txt", "ann_download.zip"]
    assert {m["agreement"] for m in ann["markers"] if m["status"] == "called"} == {"called (2 files agree)"}
    assert ann["plan"][0]["kind"] == "history"
    assert ann["plan"][1]["title"] == "Keep your long run under 19.8 km this month"
    assert ann["profile"]["sex"] == "female"
    mmp3 = next(m for m in bo["markers"] if m["rsid"] == "rs3025058")
    assert (mmp3["genotype"], mmp3["outside_call"]["source"]) == ("5A/5A", "Example Clinical Lab")
    page = (tmp_path / "team" / "team.html").read_text()
    assert "outside call: Example Clinical Lab, 2026-10-02" in page
    # The profile's personal numbers are not team-table columns; sex stays one.
    header = (tmp_path / "team" / "team.csv").read_text().splitlines()[0].split(",")
    assert "sex" in header and "longest_run_km" not in header and "injuries" not in header


def test_a_bad_profile_cell_stops_the_batch_before_any_input_is_read(tmp_path):
    result = squad(tmp_path, "file,athlete_id,longest_run_km\nbo_ancestry.txt,B2,far\n")
    assert result.exit_code == 2
    assert "roster.csv row 2: field 'longest_run_km' should be a distance in km" in result.stderr
    assert not (tmp_path / "team").exists()


def test_a_row_naming_two_peoples_files_fails_that_athlete_only(tmp_path):
    result = squad(tmp_path, "file,athlete_id\nann_23andme.txt;bo_ancestry.txt,A1\nann_download.zip,A3\n")
    assert result.exit_code == 3
    data = json.loads((tmp_path / "team" / "team.json").read_text())
    assert [a["id"] for a in data["athletes"]] == ["A3"]
    assert "look like two different people: they agree at 0 of the 4" in data["failures"][0]["message"]
