"""The tool on panels other than the shipped one (issue 12, item 5): a copy of snp_panels/ with one
test-only marker added, and the small test panel. The key paths run through the CLI (call, report
with labs, a VCF, a team batch, JSON): nothing crashes, and a marker no file carries is shown as
not tested everywhere, so adding a marker to snp_panels/ changes only golden files."""

import csv
import io
import json
import re
import shutil

from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.panel import load_panel
from itbs_geno.resources import data_dir

from conftest import EXTRA_MARKER_ID, EXTRA_MARKER_RSID, SAMPLES, TEST_PANEL, add_extra_marker, over_panel
from vcf_factory import PERSON_CALLS, Vcf

GENOME = SAMPLES / "synthetic_23andme.txt"
# Markers both lab panels know; low vitamin D with ACTN3 TT makes a combination step in the plan.
LABS = ("marker,value,unit,date\nhs-CRP,1.4,mg/L,2026-09-15\n25-OH Vitamin D,15,ng/mL,2026-09-15\n"
        "Ferritin,20,ng/mL,2026-09-15\n")
VCF_SAMPLES = ["Dee", "Eli"]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result


def markers(data) -> dict[str, tuple[str, str | None]]:
    return {m["rsid"]: (m["status"], m["genotype"]) for m in data["markers"]}


def key_paths(tmp_path) -> dict:
    """Every output a user sees, from the panel the tool loads now."""
    out = tmp_path / "out"
    out.mkdir(parents=True)
    (tmp_path / "labs.csv").write_text(LABS, encoding="utf-8")
    run("report", GENOME, "--labs", tmp_path / "labs.csv", "-o", out / "r.html", "--json", out / "r.json")
    vcf = Vcf(samples=["NA00001"]).write(tmp_path, name="person", kind="tbi")
    team_in = tmp_path / "team_in"
    team_in.mkdir()
    shutil.copy(GENOME, team_in / "ana.txt")
    shutil.copy(SAMPLES / "synthetic_ancestry.zip", team_in / "ben.zip")
    Vcf(samples=VCF_SAMPLES, records=[("11", 66560624, "C", "T", ["0/1", "1/1"])]).write(team_in, name="squad")
    run("batch", team_in, "-o", tmp_path / "team", "--jobs", "2", "--coach-view")
    return {
        "panel": run("panel").stdout,
        "call": json.loads(run("call", GENOME, "--json").stdout)[0],
        "table": run("call", GENOME).stdout,
        "html": (out / "r.html").read_text(encoding="utf-8"),
        "json": json.loads((out / "r.json").read_text(encoding="utf-8")),
        "vcf": json.loads(run("call", vcf, "--json").stdout)[0],
        "team_csv": list(csv.DictReader(io.StringIO((tmp_path / "team" / "team.csv").read_text(encoding="utf-8-sig")))),
        "team_json": json.loads((tmp_path / "team" / "team.json").read_text(encoding="utf-8")),
        "team_html": [(tmp_path / "team" / n).read_text(encoding="utf-8") for n in ("team.html", "team_coach.html")],
    }


def test_a_marker_added_to_the_shipped_panel_is_shown_as_not_tested_everywhere(tmp_path, use_panel, panel):
    before = key_paths(tmp_path / "shipped")
    folder = shutil.copytree(data_dir("snp_panels"), tmp_path / "snp_panels")
    add_extra_marker(folder)
    use_panel(folder)
    grown_panel = load_panel()
    shipped_ids = {m.id for m in panel.markers}
    assert [m.id for m in grown_panel.markers if m.id not in shipped_ids] == [EXTRA_MARKER_ID]
    after = key_paths(tmp_path / "grown")
    not_tested = ("not-tested", None)

    assert EXTRA_MARKER_RSID in after["panel"] and EXTRA_MARKER_RSID not in before["panel"]
    for name in ("call", "json", "vcf"):
        grown = markers(after[name])
        assert list(grown) == [m.rsid for m in grown_panel.markers], name            # in panel order
        assert grown.pop(EXTRA_MARKER_RSID) == not_tested, name
        assert grown == markers(before[name]), name                             # the others unchanged
    vcf_calls = {rsid: genotype for rsid, (_, genotype) in markers(after["vcf"]).items()}
    assert vcf_calls.pop(EXTRA_MARKER_RSID) is None and vcf_calls == over_panel(panel, PERSON_CALLS)
    assert re.search(rf"^COL5A1\s+Test-only marker\s+{EXTRA_MARKER_RSID}\s+not-tested\s", after["table"], re.MULTILINE)
    assert len(after["table"].splitlines()) == len(before["table"].splitlines()) + 1

    html = after["html"]
    assert re.search(rf"<td>COL5A1</td><td>Test-only marker</td><td>{EXTRA_MARKER_RSID}</td><td>not-tested</td>", html)
    assert f'Test-only marker <span class="rsid">{EXTRA_MARKER_RSID}</span>' in html
    steps = re.compile(r'<li class="step step-(\w+)">')
    assert steps.findall(html) == steps.findall(before["html"])                 # the plan is unchanged
    assert "combination" in steps.findall(html)

    rows = after["team_csv"]
    assert [r["athlete_id"] for r in rows] == ["ana", "ben", *VCF_SAMPLES]
    assert all(r[f"COL5A1_{EXTRA_MARKER_RSID}_status"] == "not-tested" for r in rows)
    assert all(r["markers_total"] == str(len(grown_panel.markers)) for r in rows)
    assert after["team_json"]["counts"][f"COL5A1 {EXTRA_MARKER_RSID}"] == {"not-tested": 4}
    assert all(markers(a["result"])[EXTRA_MARKER_RSID] == not_tested for a in after["team_json"]["athletes"])
    assert all("COL5A1 Test-only marker" in page for page in after["team_html"])


def test_the_key_paths_run_on_the_small_test_panel(tmp_path, use_panel, small_panel):
    use_panel(TEST_PANEL / "snp_panels", TEST_PANEL / "lab_panels")
    found = key_paths(tmp_path)
    # synthetic_23andme.txt: no 5A/6A site on the chip, E45K CT, ACTN3 R577X TT (make_samples.py)
    expected = {"rs3025058": ("not-tested", None), "rs679620": ("called", "CT"), "rs1815739": ("called", "TT")}
    assert [m.rsid for m in small_panel.markers] == list(expected)
    assert markers(found["call"]) == markers(found["json"]) == expected
    assert found["json"]["panel"]["version"] == "test-1"
    assert {r: g for r, (_, g) in markers(found["vcf"]).items()} == {r: PERSON_CALLS[r] for r in expected}
    html = found["html"]
    assert 'id="gene-MMP3"' in html and 'id="gene-ACTN3"' in html and 'id="gene-COL5A1"' not in html
    assert "Genotypes linked to higher risk in the studies: 1" in html                     # ACTN3 TT
    assert re.findall(r'<li class="step step-(\w+)">', html)[0] == "combination"         # with low vitamin D
    assert len(found["table"].splitlines()) == 1 + len(expected)
    rows = found["team_csv"]
    assert [r["ACTN3_rs1815739_genotype"] for r in rows] == ["TT", "CT", "CT", "TT"]
    assert not any(c.startswith(("COL5A1", "IL6", "omega3")) for c in rows[0])            # only this panel's columns
    assert "hs_crp_band" in rows[0] and "cortisol_am_band" not in rows[0]
