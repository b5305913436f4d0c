"""Every genotype of every marker, through interpretation: the panel's words come out unchanged."""

import pytest

from itbs_geno.genotype import from_alleles
from itbs_geno.interpret import counted, gene_category, interpret
from itbs_geno.model import Call, Status
from itbs_geno.panel import load_panel

CASES = [(m.id, g) for m in load_panel().markers for g in m.genotypes]


def called(marker, genotype: str) -> Call:
    alleles = genotype.split("/") if "/" in genotype else list(genotype)
    return Call(marker.id, marker.gene, marker.rsid, Status.CALLED, from_alleles(alleles), marker.rsid)


@pytest.mark.parametrize("marker_id, genotype", CASES)
def test_every_genotype_is_interpreted(panel, marker_id, genotype):
    marker = next(m for m in panel.markers if m.id == marker_id)
    [finding] = interpret(panel, [called(marker, genotype)])
    rule = marker.genotypes[genotype]
    assert str(finding.call.genotype) == genotype
    assert (finding.category, finding.evidence, finding.literature) == (rule.category, rule.evidence, rule.literature)
    assert finding.meaning == rule.meaning and finding.citations == rule.citations


def test_calls_without_a_genotype_have_no_category(panel):
    marker = panel.markers[0]
    for status in (Status.NO_CALL, Status.NOT_TESTED):
        [finding] = interpret(panel, [Call(marker.id, marker.gene, marker.rsid, status, None, None)])
        assert (finding.category, finding.evidence, finding.literature) == (None, None, None)


def test_gene_category_and_the_count(panel):
    markers = {m.id: m for m in panel.markers}
    findings = interpret(panel, [called(markers["ACTN3_R577X"], "TT"), called(markers["COL5A1_BstUI"], "CC"),
                                 called(markers["MMP3_E45K"], "CT")])
    assert gene_category(panel, panel.gene("ACTN3"), findings) == "higher"
    assert gene_category(panel, panel.gene("COL5A1"), findings) == "lower"
    assert gene_category(panel, panel.gene("MMP3"), findings) == "uncertain"
    assert gene_category(panel, panel.gene("IL6"), findings) is None
    assert [f.call.gene for f in counted(panel, findings)] == ["ACTN3"]
