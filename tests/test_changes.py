"""What changed since the last report (issue 16, item 4): `report --previous OLD.json` and
`itbs-geno diff`, with the panel CHANGELOG's reason beside a category that changed with the panel."""

import json

import pytest
from click.testing import CliRunner

from itbs_geno.changes import load_changelog
from itbs_geno.cli import cli
from itbs_geno.errors import PanelError

from conftest import SAMPLES, edit

GENOME = SAMPLES / "synthetic_23andme.txt"      # IL6 rs1800795 CG


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output + result.stderr
    return result


def older_report(tmp_path):
    """The JSON a report made with panel 2026.11.1 gave this person in May: IL6 CG was "typical"
    then (the panel read the G allele's higher IL-6 output as the risk), MMP3 untested, ferritin 18."""
    run("report", GENOME, "-o", tmp_path / "now.html", "--json", tmp_path / "now.json")
    data = json.loads((tmp_path / "now.json").read_text())
    data["panel"] = {"version": "2026.11.1", "date": "2026-11-25"}
    data["date"] = "2026-05-01"
    il6 = next(m for m in data["markers"] if m["rsid"] == "rs1800795")
    il6["result"], il6["evidence"] = "typical", "mixed"
    data["biomarkers"] = [{"marker": "ferritin", "name": "Ferritin (iron stores)", "value": 18.0, "unit": "ng/mL",
                           "date": "2026-04-20", "band": "suboptimal"}]
    path = tmp_path / "may.json"
    path.write_text(json.dumps(data))
    return path


def test_previous_from_an_older_panel_shows_the_changed_category_with_its_reason(tmp_path):
    old = older_report(tmp_path)
    (tmp_path / "labs.csv").write_text("marker,value,unit,date\nFerritin,31,ng/mL,2026-09-15\n")
    run("report", GENOME, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json", "--previous", old,
        "--labs", tmp_path / "labs.csv")
    changes = json.loads((tmp_path / "r.json").read_text())["changes"]
    assert (changes["since"], changes["old_panel"], changes["new_panel"]) == ("2026-05-01", "2026.11.1", "2026.11.2")
    il6 = next(c for c in changes["items"] if c["kind"] == "category")
    assert (il6["subject"], il6["old"], il6["new"]) == ("IL6 rs1800795 CG", "typical", "higher")
    assert il6["why"].startswith("panel 2026.11.2 (2026-11-29): IL6 −174G/C: the categories now follow injury studies")
    lab = next(c for c in changes["items"] if c["kind"] == "lab")
    assert lab["old"] == "18 ng/mL on 2026-04-20 (suboptimal)" and lab["new"].startswith("31 ng/mL on 2026-09-15")
    assert lab["why"] == "trend up; band suboptimal → below_target"
    html = (tmp_path / "r.html").read_text()
    plan = html[html.index('id="plan-h"'):]
    assert plan.index("What changed since 2026-05-01") < plan.index('class="band"')
    assert "IL6 −174G/C: the categories now follow injury studies" in plan


def test_diff_prints_the_same_changes_as_text_and_json(tmp_path):
    old = older_report(tmp_path)
    text = run("diff", old, tmp_path / "now.json").output
    assert text.splitlines()[0] == "What changed since 2026-05-01 (panel 2026.11.1 → 2026.11.2)"
    assert "  IL6 rs1800795 CG: typical → higher" in text
    assert "  Ferritin (iron stores): 18 ng/mL on 2026-04-20 (suboptimal) → not in this report" not in text
    data = json.loads(run("diff", old, tmp_path / "now.json", "--json").output)
    assert [c["kind"] for c in data["items"]] == ["category"]
    same = run("diff", tmp_path / "now.json", tmp_path / "now.json").output
    assert "nothing: the same calls, results and lab values" in same


def test_a_new_call_from_an_outside_call_is_listed(tmp_path):
    old = older_report(tmp_path)
    (tmp_path / "o.tsv").write_text("rs3025058\t5A/6A\tExample Clinical Lab\t2026-10-02\n")
    run("report", GENOME, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json", "--previous", old,
        "--outside-calls", tmp_path / "o.tsv")
    items = json.loads((tmp_path / "r.json").read_text())["changes"]["items"]
    new = next(c for c in items if c["kind"] == "new-call")
    assert (new["subject"], new["old"], new["why"]) == ("MMP3 rs3025058", "not-tested",
                                                         "outside call: Example Clinical Lab, 2026-10-02")


@pytest.mark.parametrize("bad", ["{", '{"markers": 3}', "[]"])
def test_a_file_that_is_not_a_report_json_is_one_line(tmp_path, bad):
    (tmp_path / "old.json").write_text(bad)
    result = run("diff", tmp_path / "old.json", tmp_path / "old.json", code=2)
    assert "not" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_changelog_is_checked_against_the_panel(panel_copy, panel):
    assert load_changelog(panel)[0].version == panel.version
    log = panel_copy / "CHANGELOG.toml"
    edit(log, 'markers = ["rs1800795"]', 'markers = ["rs1"]')
    with pytest.raises(PanelError, match="'rs1' is not a marker of the panel"):
        load_changelog(panel, panel_copy)
    edit(log, 'markers = ["rs1"]', 'markers = ["rs1800795"]')
    edit(log, 'version = "2026.11.1"', 'version = "2027.1.1"')
    with pytest.raises(PanelError, match="newest first"):
        load_changelog(panel, panel_copy)


def test_the_previous_report_is_never_overwritten(tmp_path):
    old = older_report(tmp_path)
    result = run("report", GENOME, "-o", tmp_path / "r.html", "--previous", old, "--json", old, code=2)
    assert "is one of the inputs" in result.stderr
