"""The shipped panel (snp_panels/): its facts, checked against docs/panel_facts.md. These tests are
about the panel we ship; behaviour tests run on the small test panel or derive what they expect
from the loaded panel, so adding a marker changes none of them. A new marker's facts are added
to EXPECTED below by hand, after checking them."""

import pytest

from itbs_geno.panel import load_panel

SHIPPED_GENES = ["COL5A1", "COL1A1", "IL6", "MMP3", "ACTN3"]
SHIPPED_MARKERS = [m.id for m in load_panel().markers]   # every marker, a new one included

EXPECTED = {  # marker id -> (rsid, chromosome, GRCh37, GRCh38, plus-strand ref>alt); panel_facts.md
    "COL5A1_BstUI": ("rs12722", "9", 137734416, 134842570, "C>T"),
    "COL1A1_Sp1": ("rs1800012", "17", 48277749, 50200388, "C>A"),
    "IL6_-174": ("rs1800795", "7", 22766645, 22727026, "C>G"),
    "MMP3_5A6A": ("rs3025058", "11", 102715947, 102845216, "5A>6A"),
    "MMP3_E45K": ("rs679620", "11", 102713620, 102842889, "C>T"),
    "ACTN3_R577X": ("rs1815739", "11", 66328095, 66560624, "C>T"),
}


def test_shipped_markers_positions_and_alleles(panel):
    found = {m.id: (m.rsid, m.chromosome, m.positions["GRCh37"], m.positions["GRCh38"], f"{m.ref}>{m.alt}")
             for m in panel.markers}
    assert {marker_id: found[marker_id] for marker_id in EXPECTED} == EXPECTED
    # a new gene may come anywhere; the shipped five keep their report order
    assert [g.symbol for g in panel.genes if g.symbol in SHIPPED_GENES] == SHIPPED_GENES


def test_shipped_strand_facts(panel):
    by_id = {m.id: m for m in panel.markers}
    assert dict(by_id["COL1A1_Sp1"].literature_alleles) == {"G": "C", "T": "A"}    # minus-strand gene
    assert dict(by_id["MMP3_E45K"].literature_alleles) == {"G": "C", "A": "T"}
    assert dict(by_id["ACTN3_R577X"].literature_alleles) == {"R": "C", "X": "T"}
    assert [marker_id for marker_id in EXPECTED if by_id[marker_id].palindromic] == ["IL6_-174"]
    assert "rs35068180" in by_id["MMP3_5A6A"].aliases


def test_shipped_literature_direction_follows_the_studies_not_the_popular_claim(panel):
    by_id = {m.id: m for m in panel.markers}
    assert by_id["COL5A1_BstUI"].genotypes["CC"].category == "lower"
    assert by_id["COL1A1_Sp1"].genotypes["AA"].category == "lower"
    assert by_id["COL1A1_Sp1"].genotypes["AA"].literature == "TT (ss)"
    assert by_id["ACTN3_R577X"].genotypes["TT"].category == "higher"
    assert by_id["MMP3_5A6A"].genotypes["5A/5A"].category == "higher"
    assert {panel.gene(s).verdict for s in ("COL5A1", "COL1A1")} == {"differs"}


def test_no_shipped_proxy_is_used_without_a_documented_r2(panel):
    usable = [p for m in panel.markers for p in m.proxies if p.r2 is not None and p.r2 >= panel.min_proxy_r2]
    assert usable == []


@pytest.mark.parametrize("marker_id", SHIPPED_MARKERS)
def test_every_shipped_genotype_has_category_evidence_and_citation(panel, marker_id):
    marker = next(m for m in panel.markers if m.id == marker_id)
    assert sorted(marker.genotypes) == sorted(marker.possible_genotypes())
    for rule in marker.genotypes.values():
        assert rule.category in panel.categories and rule.evidence in panel.evidence
        assert rule.citations and rule.meaning and rule.literature


def test_every_shipped_gene_says_the_evidence_is_not_from_itbs(panel):
    for gene in panel.genes:
        assert "ITBS" in gene.itbs_evidence or "iliotibial" in gene.itbs_evidence.lower()
        assert gene.plan_without and gene.plan_with
