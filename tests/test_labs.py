"""The lab sheet: lenient names and units, exact conversions, every band edge, every bad row,
trends, athletes, and the plan that joins genes and markers."""

import datetime as dt
import itertools
import json

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.errors import InputError
from itbs_geno.lab_panel import load_lab_panel
from itbs_geno.labs import judge, read_sheet

from conftest import SAMPLES

MARKERS = ["hs_crp", "vitamin_d_25oh", "omega3_index", "ferritin", "cortisol_am", "rbc_magnesium", "p1np", "ctx_i"]


@pytest.fixture(scope="module")
def labs(panel):
    return load_lab_panel(panel)


def sheet(tmp_path, *rows, header="marker,value,unit,date,athlete,ref_low,ref_high"):
    path = tmp_path / "labs.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def one(tmp_path, labs, row, **kw):
    [result] = judge(read_sheet(sheet(tmp_path, row, **kw), labs), labs)
    return result


def test_the_shipped_lab_panel_has_its_eight_markers_with_stable_ids(labs):
    assert list(labs.markers) == MARKERS


# Conversions checked against the chemistry, not against the panel's own factors:
# 25(OH)D 400.64 g/mol; cortisol 362.46 g/mol; Mg 24.305 g/mol; ferritin 1 ng/mL = 2.247 pmol/L.
@pytest.mark.parametrize("row, value, unit", [
    ("Vitamin D 25-OH,50,nmol/L", 50 / 2.496, "ng/mL"),
    ("25(OH)D,30,ng/mL", 30, "ng/mL"),
    ("Cortisol AM,276,nmol/L", 276 / 27.59, "µg/dL"),
    ("cortisol (morning),140,ug/L", 14.0, "µg/dL"),
    ("hs-CRP,0.12,mg/dL", 1.2, "mg/L"),
    ("Ferritin,100,pmol/L", 100 / 2.247, "ng/mL"),
    ("ferritin,60,µg/L", 60, "ng/mL"),
    ("RBC magnesium,2.0,mmol/L", 2.0 * 2.4305, "mg/dL"),
    ("RBC Mg,4.0,mEq/L", 2.0 * 2.4305, "mg/dL"),
    ("CTX-I,0.45,ng/mL", 450, "pg/mL"),
    ("Beta-CrossLaps,450,ng/L", 450, "pg/mL"),
    ("P1NP,40,ng/mL", 40, "µg/L"),
    ("Omega-3 Index,6.5,%", 6.5, "%"),
])
def test_unit_conversions_are_exact(tmp_path, labs, row, value, unit):
    result = one(tmp_path, labs, row)
    assert result.unit == unit
    assert result.value == pytest.approx(value, rel=2e-3)


@pytest.mark.parametrize("name", ["25-OH Vitamin D", "Vitamin D, 25-Hydroxy", "VITAMIN D 25 OH", "25(OH)D"])
def test_lenient_marker_names(tmp_path, labs, name):
    assert one(tmp_path, labs, f'"{name}",40,ng/mL').marker == "vitamin_d_25oh"


@pytest.mark.parametrize("unit", ["µg/L", "μg/L", "ug/L", "mcg/L", "UG / L", "ng/mL"])
def test_lenient_units(tmp_path, labs, unit):
    assert one(tmp_path, labs, f"Ferritin,80,{unit}").value == 80


def edge_cases(labs_panel):
    """(marker, value at an edge, expected band) for every fixed band edge in the panel."""
    cases = []
    for marker in labs_panel.markers.values():
        if marker.range_from_sheet:
            continue
        for band, following in itertools.pairwise(marker.bands):
            if band.below is not None:
                cases.append((marker.id, band.below, following.id))       # 'below X': X is above
            else:
                cases.append((marker.id, band.up_to, band.id))             # 'up to X': X is inside
    return cases


def test_every_band_edge(tmp_path, panel):
    labs = load_lab_panel(panel)
    cases = edge_cases(labs)
    assert len(cases) >= 15
    for marker_id, value, expected in cases:
        marker = labs.markers[marker_id]
        row = f"{marker_id},{value},{marker.unit}"
        assert one(tmp_path, labs, row).band == expected, (marker_id, value)


@pytest.mark.parametrize("row, band_in_target", [
    ("hs_crp,0.99,mg/L", True), ("hs_crp,1.0,mg/L", False),
    ("vitamin_d_25oh,19.9,ng/mL", False), ("vitamin_d_25oh,20,ng/mL", True), ("vitamin_d_25oh,50,ng/mL", True),
    ("vitamin_d_25oh,50.1,ng/mL", False),
    ("omega3_index,8,%", False), ("omega3_index,8.01,%", True),
    ("ferritin,49.9,ng/mL", False), ("ferritin,50,ng/mL", True), ("ferritin,150,ng/mL", True),
    ("ferritin,150.1,ng/mL", False),
    ("cortisol_am,10,µg/dL", True), ("cortisol_am,20,µg/dL", True), ("cortisol_am,20.1,µg/dL", False),
    ("rbc_magnesium,4.2,mg/dL", True), ("rbc_magnesium,6.8,mg/dL", True), ("rbc_magnesium,4.19,mg/dL", False),
])
def test_seed_targets_at_their_edges(tmp_path, labs, row, band_in_target):
    assert one(tmp_path, labs, row).in_target is band_in_target


def test_p1np_and_ctx_use_the_labs_own_range(tmp_path, labs):
    low = one(tmp_path, labs, "P1NP,12,µg/L,,,15,80")
    assert (low.band, low.in_target, low.ref_low, low.ref_high) == ("below_range", False, 15, 80)
    assert one(tmp_path, labs, "CTX-I,0.7,ng/mL,,,0.1,0.6").band == "above_range"
    unjudged = one(tmp_path, labs, "P1NP,40,µg/L")
    assert (unjudged.band, unjudged.in_target) == (None, None)


def test_latest_value_trend_and_retest(tmp_path, labs):
    rows = read_sheet(sheet(tmp_path, "hs-CRP,1.8,mg/L,2026-06-02", "hsCRP,1.4,mg/L,2026-09-15",
                            "hs crp,2.5,mg/L,2026-01-10"), labs)
    [result] = judge(rows, labs)
    assert (result.value, result.date, result.previous_value, result.trend) == (1.4, dt.date(2026, 9, 15), 1.8, "down")
    assert result.retest_on == dt.date(2026, 9, 15) + dt.timedelta(days=labs.markers["hs_crp"].retest_days)


def test_detection_limit_is_kept_as_given(tmp_path, labs):
    result = one(tmp_path, labs, "hs-CRP,<0.2,mg/L")
    assert (result.value, result.value_given, result.in_target) == (0.2, "<0.2", True)


@pytest.mark.parametrize("rows, header, message", [
    (["Vitamin Q,3,mg/L"], None, 'row 2: unknown marker "Vitamin Q"'),
    (["Ferritin,80,furlongs"], None, 'row 2: unit "furlongs" is not one for'),
    (["Ferritin,lots,ng/mL"], None, 'row 2: value "lots" is not a number'),
    (["Ferritin,-3,ng/mL"], None, "cannot be negative"),
    (["Ferritin,80,ng/mL", "hs-CRP,9000,mg/L"], None, "row 3: 9000 mg/L is not a possible"),
    (["Ferritin,80,ng/mL,15/03/2026"], None, 'date "15/03/2026" is not YYYY-MM-DD'),
    (["P1NP,40,µg/L,,,80,15"], None, "ref_low is above ref_high"),
    (["Ferritin,,ng/mL"], None, "the value is empty"),
    ([], None, "the lab sheet has no results"),
    (["Ferritin,80"], "marker,value", "needs the columns marker, value, unit (missing: unit)"),
])
def test_bad_rows_are_refused_naming_the_row(tmp_path, labs, rows, header, message):
    path = sheet(tmp_path, *rows, **({"header": header} if header else {}))
    with pytest.raises(InputError) as err:
        read_sheet(path, labs)
    assert message in str(err.value)


def test_bad_sheet_through_the_cli_is_exit_2(tmp_path):
    path = sheet(tmp_path, "Vitamin Q,3,mg/L")
    result = CliRunner().invoke(cli, ["report", str(SAMPLES / "synthetic_23andme.txt"), "--labs", str(path),
                                      "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "unknown marker" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_sample_report_with_labs(tmp_path):
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["report", str(SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"),
                                      "--labs", str(SAMPLES / "sample_labs.csv"), "-o", str(out), "--json", str(js)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(js.read_text())
    assert [b["marker"] for b in data["biomarkers"]] == MARKERS
    for b in data["biomarkers"]:
        assert set(b) >= {"marker", "value", "unit", "band", "in_target"}
    by_id = {b["marker"]: b for b in data["biomarkers"]}
    assert by_id["vitamin_d_25oh"]["value_as_given"] == "52" and by_id["vitamin_d_25oh"]["unit"] == "ng/mL"
    assert by_id["hs_crp"]["trend"] == "down" and by_id["ctx_i"]["band"] == "above_range"
    page = out.read_text()
    assert page.count('<svg class="scale"') == 8
    assert "Blood markers" in page and "52 nmol/L = 20.8" in page
    # COL5A1 TT (higher) with CTX-I above the lab's range: the combination comes first in the plan
    plan = page.split('id="plan"', 1)[1].split("</section>", 1)[0]
    assert plan.index("COL5A1 and") < plan.index("Ferritin")
    # the plan reads in time order: each band once, this week first, retests last
    bands = [plan.index(f">{band}</h3>") for band in ("This week", "Next 4 weeks", "At your next blood test")]
    assert bands == sorted(bands) and bands[0] < plan.index("COL5A1 and") < bands[1]


def test_report_without_labs_suggests_the_first_tests(tmp_path):
    out = tmp_path / "r.html"
    CliRunner().invoke(cli, ["report", str(SAMPLES / "synthetic_23andme.txt"), "-o", str(out)])
    page = out.read_text()
    assert "Ask for three blood tests: hs-CRP, 25-hydroxyvitamin D, Ferritin" in page
    assert "--labs" not in page.split('class="operator"')[0]      # runner-facing text names no flag


def test_athlete_column_selects_rows(tmp_path, knowledge):
    from itbs_geno.pipeline import analyse
    path = sheet(tmp_path, "Ferritin,20,ng/mL,,synthetic_23andme", "Ferritin,90,ng/mL,,someone_else")
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge, lab_sheet=path)
    assert [b.value for b in result.biomarkers] == [20]
    other = sheet(tmp_path, "Ferritin,20,ng/mL,,anna", "Ferritin,90,ng/mL,,ben")
    with pytest.raises(InputError, match='none is named "synthetic_23andme"'):
        analyse(SAMPLES / "synthetic_23andme.txt", knowledge, lab_sheet=other)


@pytest.mark.parametrize("genotype_line, lab_row, first_title", [
    ("rs12722\t9\t137734416\tTT", "P1NP,12,µg/L,,,15,80", "COL5A1 and P1NP"),
    ("rs1815739\t11\t66328095\tTT", "25-OH Vitamin D,18,ng/mL", "ACTN3 and 25-hydroxyvitamin D"),
])
def test_gene_and_marker_pointing_the_same_way_come_first(tmp_path, knowledge, genotype_line, lab_row, first_title):
    from itbs_geno.pipeline import analyse
    genome = tmp_path / "g.txt"
    genome.write_text("# This data file generated by 23andMe\n# build 37\n" + genotype_line + "\n")
    [result] = analyse(genome, knowledge, lab_sheet=sheet(tmp_path, lab_row))
    steps = result.plan
    assert steps[0].kind == "combination" and steps[0].title.startswith(first_title)
    assert "not a tested rule" in steps[0].why or "reasoning" in steps[0].why


def test_no_combination_when_only_one_side_points(tmp_path, knowledge):
    from itbs_geno.pipeline import analyse
    genome = tmp_path / "g.txt"
    genome.write_text("# This data file generated by 23andMe\n# build 37\nrs1800795\t7\t22766645\tCC\n")
    [result] = analyse(genome, knowledge, lab_sheet=sheet(tmp_path, "hs-CRP,2.4,mg/L"))
    steps = result.plan
    assert [s.kind for s in steps] == ["basics", "biomarker", "retest"]
