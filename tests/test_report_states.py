"""Issue 14's rules below the page: whose report it is, low-quality calls, the plan's time bands."""

import dataclasses
import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLES
from itbs_geno.calling import low_quality
from itbs_geno.cli import cli
from itbs_geno.first_screen import person_name
from itbs_geno.interpret import counted
from itbs_geno.pipeline import analyse
from itbs_geno.plan import BANDS, prioritise
from itbs_geno.result_json import as_json
from vcf_factory import PERSON, Vcf


@pytest.mark.parametrize("sample, fmt, expected", [
    ("genome_Jane_Doe_v5_Full_20261125", "23andme", "Jane Doe"),
    ("genome_Jane_Doe_Full_20240101", "23andme", "Jane Doe"),
    ("genome_Synthetic_Runner_v5_Full_20261125", "23andme", "Synthetic Runner"),
    ("AncestryDNA", "ancestry", "AncestryDNA"),
    ("Jane_Doe", "vcf", "Jane Doe"),
    ("NA00001", "vcf", "NA00001"),
])
def test_person_name_is_read_sensibly(knowledge, sample, fmt, expected):
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge)
    result = dataclasses.replace(result, sample=sample, source=dataclasses.replace(result.source, format=fmt))
    assert person_name(result) == expected
    assert person_name(result, "  Ana María  ") == "Ana María"


def test_name_option_sets_the_title(tmp_path):
    out = tmp_path / "r.html"
    done = CliRunner().invoke(cli, ["report", str(SAMPLES / "synthetic_23andme.txt"), "-o", str(out),
                                    "--name", "Ana María"])
    assert done.exit_code == 0, done.output
    assert "<h1>ITBS genetics report for Ana María</h1>" in out.read_text()


@pytest.mark.parametrize("notes, doubted", [
    ((), False),
    (("GQ 35, DP 12",), False),
    (("GQ 20, DP 8",), False),                  # the floors themselves pass
    (("GQ 19, DP 30",), True),
    (("GQ 99, DP 7",), True),
    (("FILTER LowQual (not PASS)", "GQ 99, DP 40"), True),
    (("the file lists this site 2 times, all with the same genotype",), False),
])
def test_low_quality_from_the_callers_notes(notes, doubted):
    assert low_quality(notes) is doubted


def test_a_doubted_call_keeps_its_genotype_but_is_not_counted_or_planned(tmp_path, knowledge):
    records = [(*r[:4], [r[4]]) for r in PERSON["GRCh38"] if r[1] != 66560624]
    records.append(("11", 66560624, "C", "T", ["1/1:12:6"], {"filter": "LowQual", "format": "GT:GQ:DP"}))
    vcf = Vcf(records=records).write(tmp_path)
    [result] = analyse(vcf, knowledge)
    actn3 = next(f for f in result.findings if f.call.gene == "ACTN3")
    assert str(actn3.call.genotype) == "TT" and actn3.category == "higher" and actn3.call.low_quality
    assert actn3 not in counted(knowledge.genes, result.findings)
    assert all(step.gene != "ACTN3" for step in result.plan)
    marker = next(m for m in as_json(result, knowledge.genes)["markers"] if m["gene"] == "ACTN3")
    assert marker["low_quality"] is True and marker["genotype"] == "TT"
    clean = Vcf(records=[(*r[:4], [r[4]]) for r in PERSON["GRCh38"]]).write(tmp_path, "clean")
    [plain] = analyse(clean, knowledge)
    assert not any(f.call.low_quality for f in plain.findings)


@pytest.mark.parametrize("labs", [False, True])
def test_plan_runs_in_time_order_and_the_json_says_so(knowledge, labs):
    sheet = SAMPLES / "sample_labs.csv" if labs else None
    [result] = analyse(SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip", knowledge, lab_sheet=sheet)
    order = list(BANDS)
    bands = [step.band for step in result.plan]
    assert bands == sorted(bands, key=order.index) and bands[0] == "this-week"
    steps = as_json(result, knowledge.genes)["plan"]
    assert [(s["band"], s["band_label"]) for s in steps] == [(b, BANDS[b]) for b in bands]
    assert ("next-blood-test" in bands) is labs            # retests only when there were tests
    first = [s for s in result.plan if s.kind == "first-step"]
    if labs:
        assert not first
    else:                                                  # the suggested tests: one step, a reason, sources
        [step] = first
        assert step.band == "this-week" and step.citations and step.evidence and "--" not in step.why
    for step in result.plan:                               # a supplement only where a gene or a lab calls for it
        assert not step.with_ or step.kind in ("gene", "biomarker", "combination")
    json.dumps(steps)


def test_plan_is_pure(knowledge):
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge)
    assert prioritise(knowledge, result.findings, ()) == result.plan
