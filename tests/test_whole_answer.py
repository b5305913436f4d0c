"""Issue 12: the pipeline returns the whole answer (plan included), knowledge is one validated
value loaded once, lab sheets take one route, and our own bugs are not called bad input."""

import ast
import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner

from itbs_geno import pipeline
from itbs_geno.cli import cli
from itbs_geno.errors import InputError, PanelError
from itbs_geno.knowledge import load_knowledge
from itbs_geno.lab_panel import load_lab_panel
from itbs_geno.panel import load_panel
from itbs_geno.render import view
from itbs_geno.resources import data_dir

from conftest import ROOT, SAMPLES, edit

GENOME = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"
LABS = SAMPLES / "sample_labs.csv"


def test_the_result_carries_the_plan_and_the_json_and_report_print_it(tmp_path):
    [result] = pipeline.analyse(GENOME, lab_sheet=LABS)
    assert result.plan and result.biomarkers
    assert result.plan[0].kind == "combination"           # gene and lab marker pointing the same way
    out = CliRunner().invoke(cli, ["report", str(GENOME), "--labs", str(LABS), "-o", str(tmp_path / "r.html"),
                                   "--json", str(tmp_path / "r.json")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert [s["title"] for s in data["plan"]] == [s.title for s in result.plan]
    assert data["plan"][0]["gene"] and data["plan"][0]["biomarker"] and data["plan"][0]["with"]
    page = (tmp_path / "r.html").read_text()
    assert all(step.title.split(":")[0] in page for step in result.plan)


def test_the_report_view_prints_the_plan_it_is_given(knowledge):
    """render computes no plan: a result with another plan is shown with that plan."""
    import dataclasses

    from itbs_geno.model import PlanStep
    [result] = pipeline.analyse(GENOME, knowledge)
    mine = dataclasses.replace(result, plan=(PlanStep("gene", "A step only this test wrote", "Because."),))
    bands = view(mine, knowledge, dt.date(2026, 11, 30))["bands"]
    assert [s["title"] for b in bands for s in b["steps"]] == ["A step only this test wrote"]


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / "itbs_geno" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_render_neither_plans_nor_loads_the_lab_panel():
    tree = ast.parse((ROOT / "itbs_geno" / "render.py").read_text())
    runtime = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
    assert not runtime & {"itbs_geno.plan", "itbs_geno.labs", "itbs_geno.lab_panel", "itbs_geno.pipeline"}
    assert "prioritise" not in (ROOT / "itbs_geno" / "render.py").read_text()
    assert "load_lab_panel" not in (ROOT / "itbs_geno" / "render.py").read_text()


def test_every_module_stays_small():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for p in (ROOT / "itbs_geno").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 310} == {}


def test_knowledge_is_loaded_once_per_batch(tmp_path, monkeypatch):
    # knowledge.py imports the loader when it needs it: patch it where it lives
    import itbs_geno.lab_panel as lab_panel_module
    calls = []
    real = lab_panel_module.load_lab_panel
    monkeypatch.setattr(lab_panel_module, "load_lab_panel", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))    # a first run: no checked knowledge kept yet
    load_knowledge.cache_clear()
    try:
        sheet = tmp_path / "labs.csv"
        sheet.write_text("athlete,marker,value,unit\ngenome_Synthetic_Runner_v5_Full_20261125,Ferritin,20,ng/mL\n")
        out = CliRunner().invoke(cli, ["batch", str(GENOME), "-o", str(tmp_path / "team"), "--labs", str(sheet),
                                       "--jobs", "1"])
        assert out.exit_code == 0, out.output
    finally:
        load_knowledge.cache_clear()
    assert calls == [1]
    team = json.loads((tmp_path / "team" / "team.json").read_text())
    [athlete] = team["athletes"]
    assert [b["marker"] for b in athlete["result"]["biomarkers"]] == ["ferritin"]
    assert any(s["biomarker"] == "ferritin" for s in athlete["result"]["plan"])     # the plan saw the labs


def test_report_and_batch_match_lab_rows_by_the_same_rule(tmp_path):
    """A sheet naming the sample gives the same lab results in a report and in a batch."""
    sheet = tmp_path / "labs.csv"
    sheet.write_text("athlete,marker,value,unit\nGENOME_Synthetic_Runner_v5_Full_20261125,Ferritin,20,ng/mL\n"
                     "someone_else,Ferritin,90,ng/mL\n")
    [alone] = pipeline.analyse(GENOME, lab_sheet=sheet)
    out = CliRunner().invoke(cli, ["batch", str(GENOME), "-o", str(tmp_path / "team"), "--labs", str(sheet)])
    assert out.exit_code == 0, out.output
    [athlete] = json.loads((tmp_path / "team" / "team.json").read_text())["athletes"]
    assert [b.value for b in alone.biomarkers] == [b["value"] for b in athlete["result"]["biomarkers"]] == [20]


def test_a_multi_sample_input_needs_an_athlete_column(tmp_path):
    from vcf_factory import Vcf
    vcf = Vcf(samples=["ana", "ben"], records=[("11", 66328095, "C", "T", ["0/1", "1/1"])]).write(tmp_path)
    sheet = tmp_path / "labs.csv"
    sheet.write_text("marker,value,unit\nFerritin,20,ng/mL\n")
    with pytest.raises(InputError, match="no athlete column"):
        pipeline.analyse(vcf, lab_sheet=sheet)
    sheet.write_text("athlete,marker,value,unit\nben,Ferritin,20,ng/mL\n")
    ana, ben = pipeline.analyse(vcf, lab_sheet=sheet)
    assert (ana.biomarkers, [b.marker for b in ben.biomarkers]) == ((), ["ferritin"])


@pytest.mark.parametrize("old, new, message", [
    ('symbol = "▲"\n', "", "categories.higher: missing field 'symbol'"),
    ("rank = 2\n", "rank = 1\n", "ranks should be distinct whole numbers"),
    ("plan = true\n", 'plan = "yes"\n', "field 'plan' should be true/false"),
    ("[categories.uncertain]", "[categories.unsure]", "should be exactly"),
])
def test_a_category_the_report_could_not_show_is_refused_at_load(panel_copy, old, new, message):
    text = (panel_copy / "panel.toml").read_text()
    (panel_copy / "panel.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(PanelError, match=message):
        load_panel(panel_copy)


@pytest.mark.parametrize("old, new, message", [
    ('label = "Low (AHA/CDC: below 1 mg/L)"\n', "", "markers.hs_crp.bands\\[0\\]: missing field 'label'"),
    ("plausible = [1.0, 20.0]", "plausible = [1.0]", "field 'plausible' should be \\[low, high\\]"),
    ('first_step = ["hs_crp"', 'first_step = ["crp"', "first_step names 'crp'"),
])
def test_a_lab_panel_field_the_report_reads_is_checked_at_load(tmp_path, panel, old, new, message):
    folder = tmp_path / "lab_panels"
    shutil.copytree(data_dir("lab_panels"), folder)
    edit(folder / "biomarkers.toml", old, new)
    with pytest.raises(PanelError, match=message):
        load_lab_panel(panel, folder)


def test_a_bug_in_our_code_is_exit_1_with_one_line_not_bad_input(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("rs0")
    monkeypatch.setattr(pipeline, "interpret", broken)
    args = ["report", str(GENOME), "-o", str(tmp_path / "r.html")]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1
    assert out.stderr.count("\n") == 1 and "this is a bug in itbs-geno, please report it" in out.stderr
    assert "KeyError: 'rs0'" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "r.html").exists()
    debug = CliRunner().invoke(cli, ["--debug", *args])
    assert isinstance(debug.exception, KeyError)             # --debug lets the traceback through
    monkeypatch.setenv("ITBS_GENO_DEBUG", "1")
    assert isinstance(CliRunner().invoke(cli, args).exception, KeyError)


def test_a_bug_in_a_batch_worker_is_reported_as_a_bug(tmp_path, monkeypatch):
    from itbs_geno import batch
    monkeypatch.setattr(batch, "analyse", lambda *a, **k: {}["missing"])
    out = CliRunner().invoke(cli, ["batch", str(GENOME), "-o", str(tmp_path / "team"), "--jobs", "1"])
    assert out.exit_code == 3
    assert "internal error (KeyError" in out.stderr and "please report it" in out.stderr


@pytest.mark.parametrize("module, name, input_name", [
    ("itbs_geno.sources.vcf_calls", "rows_for", "vcf"),           # inside the VCF reader, pysam's file open
    ("itbs_geno.sources._table", "_raw_call", "23andme"),         # inside the consumer-table loop
])
def test_a_bug_in_a_reader_exits_1_never_2(tmp_path, monkeypatch, module, name, input_name):
    import importlib

    from vcf_factory import Vcf

    def broken(*args, **kwargs):
        raise KeyError("a bug of ours")
    monkeypatch.setattr(importlib.import_module(module), name, broken)
    path = Vcf().write(tmp_path) if input_name == "vcf" else SAMPLES / "synthetic_23andme.txt"
    out = CliRunner().invoke(cli, ["call", str(path)])
    assert out.exit_code == 1, out.output
    assert "internal error (KeyError: 'a bug of ours')" in out.stderr and "please report it" in out.stderr
    assert "malformed" not in out.stderr
