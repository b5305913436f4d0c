"""The science audit's corrections (../shared/reviews/science-audit.md, issue 13): the results,
lab bands and plan items say no more than their sources do."""

import re

import pytest

from itbs_geno.interpret import counted, interpret
from itbs_geno.lab_panel import load_lab_panel
from itbs_geno.labs import judge, read_sheet

from conftest import ROOT, edit
from test_interpret import called


@pytest.fixture(scope="module")
def labs(panel):
    return load_lab_panel(panel)


def judged(tmp_path, labs, row):
    path = tmp_path / "labs.csv"
    path.write_text("marker,value,unit\n" + row + "\n", encoding="utf-8")
    [result] = judge(read_sheet(path, labs), labs)
    band = next(b for b in labs.markers[result.marker].bands if b.id == result.band)
    return result, band


def all_plan_texts(panel, labs):
    for gene in panel.genes:
        for item in (*gene.plan_without, *gene.plan_with):
            yield f"{gene.symbol} plan", item.text
    for key, marker in labs.markers.items():
        for item in (*marker.plan_without, *marker.plan_with):
            yield f"{key} plan", item.text


def test_il6_gg_is_not_counted_as_higher_risk(panel):
    """E1: no injury study, pooled or replicated, puts GG at higher risk."""
    marker = panel.marker("IL6_-174")
    [finding] = interpret(panel, [called(marker, "GG")])
    assert finding.category != "higher" and counted(panel, [finding]) == []


def test_il6_cg_carries_the_pooled_acl_signal(panel):
    """E1: CG is the genotype with the pooled signal (Lorenz 2024, OR 1.30, 1.02–1.66)."""
    assert panel.marker("IL6_-174").genotypes["CG"].category == "higher"


def test_no_plan_item_offers_egcg_and_no_dose_reaches_800_mg(panel, labs):
    """E2: the EGCG range reached the intake EFSA found raised liver enzymes."""
    for where, text in all_plan_texts(panel, labs):
        assert "EGCG" not in text and "green tea" not in text.lower(), where
    everything = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "snp_panels").glob("*.toml"))
    everything += (ROOT / "lab_panels" / "biomarkers.toml").read_text(encoding="utf-8")
    assert not re.search(r"EGCG\),? \d+–800 mg", everything) and "Stay well under 800" not in everything


def test_no_blanket_endorsement_of_gene_plan_options():
    """E3: the item-level evidence labels, not a blanket sentence, say how sound each option is."""
    assert "sound practice for any runner" not in (ROOT / "templates" / "_gene.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("row, band, severity", [
    ("hs-CRP,0.8,mg/L", "low", 0),
    ("hs-CRP,1.4,mg/L", "average", 1),       # E4: 1–3 mg/L is the AHA/CDC average band
    ("hs-CRP,3.5,mg/L", "high", 2),
    ("hs-CRP,10.5,mg/L", "acute", 3),        # above 10 mg/L: a doctor
])
def test_hs_crp_bands_follow_aha_cdc(tmp_path, labs, row, band, severity):
    result, found = judged(tmp_path, labs, row)
    assert (result.band, result.severity) == (band, severity)
    assert "chronic" not in found.label.lower()


def test_hs_crp_1_4_reads_average(tmp_path, labs):
    _, band = judged(tmp_path, labs, "hs-CRP,1.4,mg/L")
    assert band.label.startswith("Average")


@pytest.mark.parametrize("value, severity, in_target", [
    (11, 3, False),      # IOM: below 12 ng/mL, at risk of deficiency: a doctor
    (15, 2, False),      # IOM: 12–20 ng/mL, some at risk
    (21, 0, True),       # IOM: 20 ng/mL or more is sufficient
    (45, 0, True),
    (55, 1, False),      # IOM: some concern above 50 ng/mL
])
def test_vitamin_d_bands_follow_the_iom(tmp_path, labs, value, severity, in_target):
    result, _ = judged(tmp_path, labs, f"25-OH Vitamin D,{value},ng/mL")
    assert (result.severity, result.in_target) == (severity, in_target)


def test_vitamin_d_21_is_not_insufficient(tmp_path, labs):
    result, band = judged(tmp_path, labs, "25-OH Vitamin D,21,ng/mL")
    assert "insufficient" not in (band.label + band.says).lower() and result.in_target


def test_no_vitamin_d_target_band_is_called_a_concern_by_the_next(labs):
    """E5: the old 40–60 target ran past the IOM's 50 ng/mL concern."""
    bands = labs.markers["vitamin_d_25oh"].bands
    assert [b for b in bands if b.in_target]               # the check below has bands to check
    for band in bands:
        if band.in_target:
            assert (band.up_to or band.below) <= 50


def test_omega3_index_3_2_is_not_see_a_doctor(tmp_path, labs):
    result, _ = judged(tmp_path, labs, "Omega-3 Index,3.2,%")
    assert result.severity < 3


def test_ferritin_below_15_is_see_a_doctor(tmp_path, labs):
    assert judged(tmp_path, labs, "Ferritin,14,ng/mL")[0].severity == 3
    assert judged(tmp_path, labs, "Ferritin,16,ng/mL")[0].severity < 3


def test_fish_oil_caution_is_practice_not_pinned_on_efsa(labs):
    """E10: EFSA found no rise in bleeding up to about 5 g a day."""
    for key in ("hs_crp", "omega3_index"):
        for item in labs.markers[key].safety:
            if "fish oil" in item.text.lower() and "efsa2012omega3" in item.citations:
                assert "no rise in bleeding" in item.text


def test_collagen_is_offered_as_tested(panel):
    """E12: 15 g of vitamin C-enriched gelatin was tested, not 10 g and not peptides."""
    for gene in panel.genes:
        for item in gene.plan_with:
            if "shaw2017" in item.citations:
                assert "10–15 g" not in item.text and "15 g" in item.text


def test_830_nm_light_is_not_offered_as_mixed_evidence(panel):
    """E13: trials at 820/830/1064 nm were negative."""
    for gene in panel.genes:
        for item in gene.plan_with:
            assert "830 nm" not in item.text, gene.symbol


def test_every_notes_file_a_panel_cites_is_in_the_project():
    """Provenance: citations of notes files outside the repository (research_notes.md) are gone."""
    texts = [p.read_text(encoding="utf-8") for p in [*(ROOT / "snp_panels").glob("*.toml"),
                                                      ROOT / "lab_panels" / "biomarkers.toml"]]
    cited = {m for t in texts for m in re.findall(r"[\w./-]+\.md\b", t)}
    assert cited, "the panels cite their notes"
    for name in cited:
        assert (ROOT / name).is_file(), name


# --- Categories derived from the study records (issue 13 item 3) -------------------------


from itbs_geno import evidence as ev  # noqa: E402
from itbs_geno.errors import PanelError  # noqa: E402
from itbs_geno.panel import load_panel  # noqa: E402


def refusal(folder) -> str:
    with pytest.raises(PanelError) as err:
        load_panel(folder)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_a_hand_set_category_its_studies_contradict_is_refused(panel_copy):
    edit(panel_copy / "IL6.toml", 'literature = "GG"\ncategory = "typical"', 'literature = "GG"\ncategory = "higher"')
    assert refusal(panel_copy) == ("IL6.toml: marker IL6_-174, genotype GG: category 'higher' disagrees "
                                   "with its studies, which give 'typical'")


def test_a_study_record_that_no_longer_excludes_1_takes_the_category_with_it(panel_copy):
    edit(panel_copy / "IL6.toml", "ci = [1.02, 1.66]", "ci = [0.98, 1.66]")
    assert refusal(panel_copy) == ("IL6.toml: marker IL6_-174, genotype CG: category 'higher' disagrees "
                                   "with its studies, which give 'typical'")


def test_the_evidence_level_follows_the_same_records(panel_copy):
    edit(panel_copy / "ACTN3.toml", 'literature = "XX"\ncategory = "higher"\nevidence = "replicated"',
         'literature = "XX"\ncategory = "higher"\nevidence = "single"')
    assert "genotype TT: evidence 'single' disagrees with its studies, which give 'replicated'" in refusal(panel_copy)


@pytest.mark.parametrize("old, new, message", [
    ('citation = "lorenz2024"', 'citation = "nobody2099"', "citation 'nobody2099' is not in references.toml"),
    ('pools = ["posthumus2009col1a1", "khoschnau2008"]', 'pools = ["ghost2001"]',
     "pools 'ghost2001', which is not another record here"),
    ('ci = [0.2, 0.86]', 'ci = [0.5, 0.86]', "'or' and 'ci' should be a number inside [low, high]"),
    ('exposed = ["AA"]\nor = 0.15', 'exposed = ["TT"]\nor = 0.15',
     "field 'exposed' names a genotype not possible here"),
])
def test_broken_study_records_are_named(panel_copy, old, new, message):
    for name in ("IL6.toml", "COL1A1.toml", "COL5A1.toml"):
        text = (panel_copy / name).read_text(encoding="utf-8")
        if text.count(old) >= 1:
            (panel_copy / name).write_text(text.replace(old, new, 1), encoding="utf-8")
            break
    else:
        pytest.fail(f"{old!r} not in any panel file")
    assert message in refusal(panel_copy)


def study(key, exposed, finding, design="case-control", pools=(), subgroup=False, outcome="injury",
          odds=None, ci=None):
    return ev.Study(key, "x", key, design, outcome, "ACL rupture", "somewhere", ("EUR",), None, None, 100,
                    "contrast", tuple(exposed), odds, ci, None, finding, tuple(pools), subgroup, "")


GENOTYPES = ["CC", "CT", "TT"]


@pytest.mark.parametrize("studies, category", [
    ([study("a", ["TT"], "higher"), study("b", ["TT"], "higher")], "higher"),          # two independent studies
    ([study("a", ["TT"], "higher")], "typical"),                                       # one study is not enough
    ([study("m", ["TT"], "lower", design="meta-analysis")], "lower"),                  # a pooled estimate
    ([study("a", ["TT"], "higher"), study("b", ["TT"], "higher"),
      study("m", ["TT"], "none", design="meta-analysis", pools=["a", "b"])], "typical"),  # never counted twice
    ([study("a", ["TT"], "higher"), study("b", ["TT"], "lower")], "uncertain"),        # studies disagree
    ([study("a", ["TT"], "higher"), study("b", ["TT"], "higher"), study("c", ["CC"], "higher")], "uncertain"),
    ([study("m", ["TT"], "higher", design="meta-analysis", subgroup=True)], "typical"),  # subgroups do not decide
    ([study("lab", ["TT"], "higher", outcome="function")], "uncertain"),               # only mechanistic data
    ([study("img", ["TT"], "higher", outcome="imaging"), study("b", ["TT"], "higher")], "typical"),
    ([], "typical"),
])
def test_the_category_rule(studies, category):
    assert ev.derive("TT", GENOTYPES, studies).category == category


def test_a_heterozygote_between_a_higher_homozygote_and_a_leaning_carrier_contrast():
    studies = [study("m", ["TT"], "higher", design="meta-analysis"), study("c", ["CT", "TT"], "unclear")]
    assert ev.derive("CT", GENOTYPES, studies).category == "intermediate"
    assert ev.derive("CT", GENOTYPES, studies[:1]).category == "typical"


def test_a_ci_decides_the_finding():
    assert [ev.finding_from_ci(ci) for ci in ((1.02, 1.66), (0.2, 0.86), (0.27, 1.0))] == ["higher", "lower", "none"]


def test_every_study_record_cites_a_known_reference_and_names_its_size(panel):
    records = [s for m in panel.markers for s in m.studies]
    assert len(records) >= 30
    for s in records:
        assert s.citation in panel.references
        assert s.odds_ratio is not None or s.finding in ev.FINDINGS


# --- The forest plot (issue 13 item 4) ----------------------------------------------------

import math  # noqa: E402

from itbs_geno import forest as forest_plot  # noqa: E402
from itbs_geno.pipeline import analyse  # noqa: E402
from itbs_geno.render import html  # noqa: E402

from conftest import SAMPLES  # noqa: E402


def expected_x(odds_ratio):
    """Independent of forest.x_of: 0.05–20 spread over 300 units of log scale, 10 units of padding."""
    return 10 + 300 * (math.log10(odds_ratio) - math.log10(0.05)) / (math.log10(20) - math.log10(0.05))


@pytest.fixture(scope="module")
def report(knowledge):
    import datetime as dt
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge)
    return html(result, knowledge, dt.date(2026, 11, 29))


def section(page, gene):
    return page.split(f'id="gene-{gene}"', 1)[1].split("</article>", 1)[0]


@pytest.mark.parametrize("gene", ["COL5A1", "COL1A1", "IL6", "MMP3", "ACTN3"])
def test_one_plot_row_and_one_table_row_per_study_record(panel, report, gene):
    records = [s for m in panel.gene(gene).markers for s in m.studies]
    part = section(report, gene)
    assert part.count('class="forest-row') - part.count("forest-axis") == len(records)
    table = part.split('class="table-wrap forest-table"', 1)[1]
    assert table.count("<tr") - 1 == len(records)                        # minus the header row
    for s in records:
        assert f"<strong>{s.label}</strong>" in part


def test_ci_whiskers_sit_at_the_right_x_for_a_known_or(report):
    """Lorenz 2024: IL6 CG, OR 1.30 (1.02–1.66), a pooled estimate: a diamond on a whisker."""
    part = section(report, "IL6")
    low, high, point = (round(expected_x(v), 1) for v in (1.02, 1.66, 1.30))
    assert f'<line class="whisker" x1="{low}" x2="{high}" y1="12" y2="12"/>' in part
    assert f'points="{point - 7},12 {point},5 {point + 7},12 {point},19"' in part
    null = round(expected_x(1.0), 1)
    assert f'<line class="null" x1="{null}" x2="{null}"' in part
    assert low > null                                                 # the whole interval right of OR = 1


def test_the_readers_genotype_rows_are_marked(report):
    part = section(report, "IL6")                                     # the sample is IL6 CG
    marked = re.findall(r'<div class="forest-row yours">\s*<div class="forest-text"><strong>([^<]+)</strong>', part)
    assert marked == ["Lorenz 2024", "September 2011"]


def test_an_interval_beyond_the_axis_ends_in_an_arrow():
    assert forest_plot.x_of(0.001) == forest_plot.x_of(0.05) == 10.0
    assert forest_plot.x_of(1000) == 310.0


def test_the_plot_needs_no_script_and_marks_in_words_and_shapes(report):
    assert "<script" not in report and "<img" not in report
    part = section(report, "COL1A1")                                  # the sample is COL1A1 CC
    marked = re.findall(r'<div class="forest-row yours">\s*<div class="forest-text"><strong>([^<]+)</strong>', part)
    assert marked == ["Posthumus 2009, Achilles"] and "◀ your genotype" in part


# --- The sample of African ancestry (issue 13 "done when") ----------------------------------

def test_the_african_ancestry_sample_has_no_counted_il6_flag(panel, knowledge):
    import datetime as dt
    [result] = analyse(SAMPLES / "synthetic_african_23andme.txt", knowledge)
    genotypes = {f.call.rsid: str(f.call.genotype) for f in result.findings if f.call.genotype}
    assert genotypes == {"rs12722": "CC", "rs1800012": "CC", "rs1800795": "GG", "rs679620": "CT", "rs1815739": "CC"}
    assert [f.call.gene for f in counted(panel, result.findings)] == []
    page = html(result, knowledge, dt.date(2026, 11, 29))
    assert "None of your called genotypes is one the studies link to higher risk." in page
    studied_genes = sum(any(m.studies for m in g.markers) for g in panel.genes)     # one plot a gene
    assert page.count('<figure class="forest"') == studied_genes
    il6 = section(page, "IL6")
    assert "Result: <strong>Typical</strong>" in il6 and "AFR 96%" in il6
