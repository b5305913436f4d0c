"""Calling: from rows to called / no-call / not-tested, with every refusal explained."""

import dataclasses

from itbs_geno.calling import call_marker, call_panel
from itbs_geno.genotype import parse_joined
from itbs_geno.model import RawCall, Status


def marker(panel, marker_id):
    return next(m for m in panel.markers if m.id == marker_id)


def row(ident, chrom, pos, text):
    return RawCall(ident, chrom, pos, parse_joined(text), text)


def call(panel, marker_id, rows, build="GRCh37"):
    return call_marker(marker(panel, marker_id), rows, build, panel.min_proxy_r2)


def test_called_genotype_on_the_plus_strand(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66328095, "TT")])
    assert (result.status, str(result.genotype), result.via, result.flag) == (Status.CALLED, "TT", "rs1815739", None)
    assert result.notes == ()


def test_missing_site_is_not_tested_never_assumed_reference(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1", "1", 1, "CC")])
    assert (result.status, result.genotype, result.via) == (Status.NOT_TESTED, None, None)


def test_no_call_in_the_file(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66328095, "--")])
    assert (result.status, result.genotype, result.flag) == (Status.NO_CALL, None, None)


def test_minus_strand_letters_are_flagged_not_flipped(panel):
    # COL1A1 rs1800012 is C/A on the plus strand; the paper letters G/T would be a strand error.
    result = call(panel, "COL1A1_Sp1", [row("rs1800012", "17", 48277749, "GT")])
    assert result.status is Status.NO_CALL
    assert "other strand" in result.flag


def test_third_allele_is_flagged(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66328095, "AC")])
    assert result.status is Status.NO_CALL and "not one of this SNP's plus-strand alleles (C/T)" in result.flag


def test_palindromic_snp_is_never_strand_flipped(panel):
    # IL6 rs1800795 is C/G: "GG" is read as GG, never as a flipped CC.
    result = call(panel, "IL6_-174", [row("rs1800795", "7", 22766645, "GG")])
    assert (result.status, str(result.genotype)) == (Status.CALLED, "GG")


def test_duplicates_that_disagree_become_a_flagged_no_call(panel):
    rows = [row("rs1815739", "11", 66328095, "CT"), row("rs1815739", "11", 66328095, "TT")]
    result = call(panel, "ACTN3_R577X", rows)
    assert result.status is Status.NO_CALL and "2 times with different genotypes (CT, TT)" in result.flag


def test_duplicates_that_agree_are_one_call(panel):
    rows = [row("rs1815739", "11", 66328095, "CT"), row("rs1815739", "11", 66328095, "TC")]
    assert str(call(panel, "ACTN3_R577X", rows).genotype) == "CT"


def test_haploid_call_at_an_autosomal_site(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66328095, "T")])
    assert result.status is Status.NO_CALL and "haploid" in result.flag


def test_indel_code_at_a_snp(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66328095, "DI")])
    assert result.status is Status.NO_CALL and "insertion/deletion code" in result.flag


def test_unreadable_genotype(panel):
    bad = RawCall("rs1815739", "11", 66328095, None, "ZZ", '"ZZ" is not an allele')
    result = call(panel, "ACTN3_R577X", [bad])
    assert result.status is Status.NO_CALL and 'unreadable genotype "ZZ"' in result.flag


def test_internal_id_matched_by_position_for_the_build(panel):
    rows = [row("i6010053", "11", 66328095, "CT")]
    assert (call(panel, "ACTN3_R577X", rows).via, str(call(panel, "ACTN3_R577X", rows).genotype)) == ("i6010053", "CT")
    # The same position means nothing on another build.
    assert call(panel, "ACTN3_R577X", rows, build="GRCh38").status is Status.NOT_TESTED


def test_position_that_differs_is_noted(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66000000, "CC")])
    assert result.status is Status.CALLED
    assert "the panel has GRCh37 11:66328095" in result.notes[0]


def test_build_without_panel_positions_is_noted(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "11", 66084670, "CC")], build="NCBI36")
    assert result.status is Status.CALLED and "positions not checked" in result.notes[0]


def test_wrong_chromosome_is_not_trusted(panel):
    result = call(panel, "ACTN3_R577X", [row("rs1815739", "2", 66328095, "CC")])
    assert result.status is Status.NO_CALL and "chromosome 2" in result.flag


def test_repeat_coded_as_indel_letters_is_not_turned_into_a_length(panel):
    result = call(panel, "MMP3_5A6A", [row("rs3025058", "11", 102715947, "DI")])
    assert result.status is Status.NO_CALL and "repeat length" in result.flag


def test_merged_rsid_alias_is_read(panel):
    result = call(panel, "MMP3_5A6A", [row("rs35068180", "11", 102715947, "II")])
    assert result.via == "rs35068180" and result.status is Status.NO_CALL


def test_undocumented_proxy_is_not_used_and_says_so(panel):
    result = call(panel, "MMP3_5A6A", [row("rs679620", "11", 102713620, "TT")])
    assert result.status is Status.NOT_TESTED
    assert "rs679620 is in the file, but its linkage" in result.notes[0]


def test_documented_proxy_infers_the_marker(panel):
    # With a proxy whose r² is documented and high, the 5A/6A genotype is inferred through it.
    mmp3 = marker(panel, "MMP3_5A6A")
    proxy = dataclasses.replace(mmp3.proxies[0], r2=0.93, population="EUR (test value)")
    documented = dataclasses.replace(mmp3, proxies=(proxy,))
    result = call_marker(documented, [row(proxy.rsid, "11", 102713620, "CT")], "GRCh37", panel.min_proxy_r2)
    assert (result.status, str(result.genotype), result.via) == (Status.CALLED, "5A/6A", proxy.rsid)
    assert result.proxy.r2 == 0.93 and "inferred from proxy" in result.notes[0]
    weak = dataclasses.replace(mmp3, proxies=(dataclasses.replace(proxy, r2=0.5),))
    assert call_marker(weak, [row(proxy.rsid, "11", 102713620, "CT")], "GRCh37", 0.8).status is Status.NOT_TESTED


def test_panel_order_one_call_per_marker(panel):
    calls = call_panel(panel, [], "GRCh37")
    assert [c.marker_id for c in calls] == [m.id for m in panel.markers]
    assert all(c.status is Status.NOT_TESTED for c in calls)
