"""The shipped panel, and the loader's refusal of inconsistent data (named by file and field)."""

import pytest

from itbs_geno.errors import PanelError
from itbs_geno.panel import load_panel

from conftest import edit

EXPECTED = {  # marker id -> (rsid, chromosome, GRCh37, GRCh38, plus-strand ref>alt); panel_facts.md
    "COL5A1_BstUI": ("rs12722", "9", 137734416, 134842570, "C>T"),
    "COL1A1_Sp1": ("rs1800012", "17", 48277749, 50200388, "C>A"),
    "IL6_-174": ("rs1800795", "7", 22766645, 22727026, "C>G"),
    "MMP3_5A6A": ("rs3025058", "11", 102715947, 102845216, "5A>6A"),
    "MMP3_E45K": ("rs679620", "11", 102713620, 102842889, "C>T"),
    "ACTN3_R577X": ("rs1815739", "11", 66328095, 66560624, "C>T"),
}


def test_panel_markers_positions_and_alleles(panel):
    found = {m.id: (m.rsid, m.chromosome, m.positions["GRCh37"], m.positions["GRCh38"], f"{m.ref}>{m.alt}")
             for m in panel.markers}
    assert found == EXPECTED
    assert [g.symbol for g in panel.genes] == ["COL5A1", "COL1A1", "IL6", "MMP3", "ACTN3"]


def test_strand_facts(panel):
    by_id = {m.id: m for m in panel.markers}
    assert dict(by_id["COL1A1_Sp1"].literature_alleles) == {"G": "C", "T": "A"}    # minus-strand gene
    assert dict(by_id["MMP3_E45K"].literature_alleles) == {"G": "C", "A": "T"}
    assert dict(by_id["ACTN3_R577X"].literature_alleles) == {"R": "C", "X": "T"}
    assert [m.id for m in panel.markers if m.palindromic] == ["IL6_-174"]
    assert "rs35068180" in by_id["MMP3_5A6A"].aliases


def test_literature_direction_follows_the_studies_not_the_popular_claim(panel):
    by_id = {m.id: m for m in panel.markers}
    assert by_id["COL5A1_BstUI"].genotypes["CC"].category == "lower"
    assert by_id["COL1A1_Sp1"].genotypes["AA"].category == "lower"
    assert by_id["COL1A1_Sp1"].genotypes["AA"].literature == "TT (ss)"
    assert by_id["ACTN3_R577X"].genotypes["TT"].category == "higher"
    assert by_id["MMP3_5A6A"].genotypes["5A/5A"].category == "higher"
    assert {panel.gene(s).verdict for s in ("COL5A1", "COL1A1")} == {"differs"}


def test_no_proxy_is_used_without_a_documented_r2(panel):
    usable = [p for m in panel.markers for p in m.proxies if p.r2 is not None and p.r2 >= panel.min_proxy_r2]
    assert usable == []


@pytest.mark.parametrize("marker_id", sorted(EXPECTED))
def test_every_genotype_has_category_evidence_and_citation(panel, marker_id):
    marker = next(m for m in panel.markers if m.id == marker_id)
    assert sorted(marker.genotypes) == sorted(marker.possible_genotypes())
    for rule in marker.genotypes.values():
        assert rule.category in panel.categories and rule.evidence in panel.evidence
        assert rule.citations and rule.meaning and rule.literature


def test_every_gene_says_the_evidence_is_not_from_itbs(panel):
    for gene in panel.genes:
        assert "ITBS" in gene.itbs_evidence or "iliotibial" in gene.itbs_evidence.lower()
        assert gene.plan_without and gene.plan_with


@pytest.mark.parametrize("file, old, new, message", [
    ("ACTN3.toml", "[markers.genotypes.TT]", "[markers.genotypes.XX_removed]",
     'ACTN3.toml.markers[0].genotypes: genotype "TT" has no interpretation'),
    ("ACTN3.toml", "GRCh38 = 66560624", "GRCh36 = 1", "ACTN3.toml.markers[0]: field 'positions' needs a GRCh38 position"),
    ("ACTN3.toml", 'citations = ["zouhal2023", "shang2015"]', 'citations = ["nobody2099"]',
     "ACTN3.toml.markers[0].genotypes.CC: citation 'nobody2099' is not in references.toml"),
    ("ACTN3.toml", 'category = "higher"', 'category = "doomed"',
     "ACTN3.toml.markers[0].genotypes.TT: category 'doomed' is not one of"),
    ("ACTN3.toml", 'alt = "T"', 'alt = "Q"', "ACTN3.toml.markers[0]: field 'alt' = 'Q' is not a valid snp allele"),
    ("ACTN3.toml", "palindromic = false", "palindromic = true", "ACTN3.toml.markers[0]: field 'palindromic' is True"),
    ("ACTN3.toml", 'gene = "ACTN3"', 'gene = "ACTN4"', "ACTN3.toml: field 'gene' is 'ACTN4'"),
    ("panel.toml", '"ACTN3"]', '"ACTN3", "TTN"]', "TTN.toml: missing from"),
    ("ACTN3.toml", "[limits]", "[limits_gone]", "ACTN3.toml: missing field 'limits'"),
])
def test_inconsistent_panel_fails_at_load_time_naming_file_and_field(panel_copy, file, old, new, message):
    edit(panel_copy / file, old, new)
    with pytest.raises(PanelError) as err:
        load_panel(panel_copy)
    assert message in str(err.value)


def test_broken_toml_is_named(panel_copy):
    (panel_copy / "IL6.toml").write_text("gene = \n", encoding="utf-8")
    with pytest.raises(PanelError, match=r"IL6.toml: not valid TOML"):
        load_panel(panel_copy)
