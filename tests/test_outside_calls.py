"""--outside-calls (issue 16, item 2): a lab-confirmed genotype fills a site the chip lacks (MMP3
5A/6A is never on a 23andMe chip) or replaces the chip's call; a disagreement is shown in the card,
the quality table and the JSON, never hidden; a bad row or unknown marker is one clear line."""

import html as markup
import json
import re

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli

from conftest import SAMPLES

GENOME = SAMPLES / "synthetic_23andme.txt"      # rs1815739 TT; MMP3 5A/6A not on the chip
HEADER = "marker\tgenotype\tsource\tdate\n"


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output + result.stderr
    return result


def report(tmp_path, rows: str, code=0):
    (tmp_path / "outside.tsv").write_text(HEADER + rows, encoding="utf-8")
    result = run("report", GENOME, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json",
                 "--outside-calls", tmp_path / "outside.tsv", code=code)
    if code:
        return result
    data = json.loads((tmp_path / "r.json").read_text())
    return markup.unescape((tmp_path / "r.html").read_text()), {m["rsid"]: m for m in data["markers"]}


def test_an_outside_call_fills_mmp3_5a6a_on_a_23andme_file(tmp_path):
    html, markers = report(tmp_path, "rs3025058\t6A/5A\tExample Clinical Lab\t2026-10-02\n")
    mmp3 = markers["rs3025058"]
    assert (mmp3["status"], mmp3["genotype"], mmp3["result"]) == ("called", "5A/6A", "intermediate")
    assert mmp3["outside_call"] == {"source": "Example Clinical Lab", "date": "2026-10-02",
                                    "as_given": "6A/5A", "file_genotype": None}
    assert "outside call: Example Clinical Lab, 2026-10-02" in mmp3["notes"]
    card = html[html.index('id="gene-MMP3"'):html.index('id="gene-ACTN3"')]
    assert "outside call: Example Clinical Lab, 2026-10-02" in card
    quality = html[html.index('id="quality"'):]
    assert "outside call: Example Clinical Lab, 2026-10-02" in quality


def test_an_outside_call_overrides_a_conflicting_chip_call_and_the_disagreement_is_shown(tmp_path):
    # The papers' notation: R = C, X = T on the plus strand; the chip says TT (XX).
    html, markers = report(tmp_path, "ACTN3_R577X\tRX\tHospital genetics\t2026-08-01\n")
    actn3 = markers["rs1815739"]
    assert (actn3["genotype"], actn3["result"]) == ("CT", "typical")
    assert actn3["outside_call"]["file_genotype"] == "TT"
    assert any("the file says TT, the outside call (Hospital genetics, 2026-08-01) says CT" in n
               for n in actn3["notes"])
    card = re.sub(r"<[^>]+>", "", html[html.index('id="gene-ACTN3"'):])
    assert "Your file says TT: the two disagree, and this report uses the outside call." in card


def test_an_agreeing_outside_call_is_marked_but_changes_nothing(tmp_path):
    _, markers = report(tmp_path, "rs1815739\tT/T\tHospital genetics\t2026-08-01\n")
    assert markers["rs1815739"]["genotype"] == "TT"
    assert markers["rs1815739"]["outside_call"]["file_genotype"] is None
    assert "the file's call (TT) agrees with the outside call" in markers["rs1815739"]["notes"]


@pytest.mark.parametrize(("rows", "message"), [
    ("rs4242\tCT\tLab\t2026-08-01\n", "row 2: unknown marker 'rs4242'; use a panel id or rsID"),
    ("rs1815739\tGG\tLab\t2026-08-01\n", "row 2: genotype 'GG' is not two of C/T (plus strand) or R/X"),
    ("rs1815739\tCT\tLab\t1 Aug 2026\n", "row 2: date should be YYYY-MM-DD, not '1 Aug 2026'"),
    ("rs1815739\tCT\t\t2026-08-01\n", "row 2: the source is empty"),
    ("rs1815739\tCT\tLab\n", "row 2: expected 4 tab-separated columns"),
    ("rs1815739\tCT\tLab\t2026-08-01\nACTN3_R577X\tCC\tLab\t2026-08-02\n", "two outside calls for ACTN3_R577X"),
    ("", "no outside calls found"),
])
def test_a_bad_row_is_one_clear_line(tmp_path, rows, message):
    result = report(tmp_path, rows, code=2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_sample_outside_calls_run(tmp_path):
    result = run("report", GENOME, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json",
                 "--outside-calls", SAMPLES / "sample_outside_calls.tsv")
    assert result.exit_code == 0
    markers = {m["rsid"]: m for m in json.loads((tmp_path / "r.json").read_text())["markers"]}
    assert markers["rs3025058"]["genotype"] == "5A/6A"
    assert markers["rs1800795"]["outside_call"]["file_genotype"] == "CG"
