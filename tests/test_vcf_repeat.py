"""The MMP3 5A/6A repeat (issue 13 item 7) in every way a caller writes it: anchored before the
poly-A run, at the run's last A (right-aligned, before `bcftools norm`), inside it, with a padded
REF, as a deletion; in both builds, indexed and not, and in multi-sample files."""

import pytest

from itbs_geno.model import Status
from itbs_geno.pipeline import read_calls
from itbs_geno.sources import vcf_scan

from vcf_factory import Vcf

# The anchor base (just before the 5-base poly-A run) in each build: snp_panels/MMP3.toml.
ANCHOR = {"GRCh37": 102715947, "GRCh38": 102845216}
BUILDS = sorted(ANCHOR)
CONTAINERS = ["vcf", "tbi"]                  # unindexed text (prefiltered), and fetched through an index


def repeat(tmp_path, panel, build, records, kind="vcf", samples=("NA00001",)):
    """The rs3025058 call of each sample; `records` are (offset from the anchor, REF, ALT, GTs)."""
    rows = [("11", ANCHOR[build] + offset, ref, alt, list(gts), *extra) for offset, ref, alt, gts, *extra in records]
    path = Vcf(build=build, samples=list(samples), records=rows).write(tmp_path, name=f"{build}-{kind}", kind=kind)
    results = read_calls(path, panel)
    assert all(r.source.build == build for r in results)
    return [next(f.call for f in r.findings if f.call.rsid == "rs3025058") for r in results]


SPELLINGS = [
    # offset, REF, ALT, what it is
    (0, "G", "GA", "6A"),                    # today's anchored spelling
    (5, "A", "AA", "6A"),                    # at the run's last A: right-aligned, before bcftools norm
    (3, "A", "AA", "6A"),                    # in the middle of the run
    (0, "GAAAAA", "GAAAAAA", "6A"),          # padded REF over the whole run
    (3, "AAAC", "AAAAC", "6A"),              # padded REF reaching the base after the run
    (-2, "TCG", "TCGA", "6A"),               # padded REF starting before the anchor
    (5, "A", "AAA", "7A"),
    (0, "GA", "G", "4A"),                    # anchored deletion
    (4, "AA", "A", "4A"),                    # right-aligned deletion
    (2, "AA", "A", "4A"),                    # inside the run
    (1, "AAAAA", "AAAA", "4A"),
]


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("offset, ref, alt, allele", SPELLINGS)
def test_every_spelling_reads_the_same_repeat_length(tmp_path, panel, build, kind, offset, ref, alt, allele):
    for gt, expected in (("0/1", f"5A/{allele}" if allele != "4A" else "4A/5A"), ("1/1", f"{allele}/{allele}")):
        [call] = repeat(tmp_path, panel, build, [(offset, ref, alt, [gt])], kind)
        assert call.status is Status.CALLED and str(call.genotype) == expected, (gt, call)
        aligned = any("aligned to the poly-A run" in note for note in call.notes)
        assert aligned == ((offset, len(ref)) != (0, 1))   # said when the file wrote it another way


# Not "bcf-csi": an indexed BCF holding a single record is refused as truncated, on main too, whatever
# the record (reported separately; test_vcf.py covers indexed BCF with the anchored spelling).
@pytest.mark.parametrize("kind", ["vcf", "bgzip", "tbi", "csi", "gzip", "bcf"])
def test_right_aligned_insertion_is_found_in_every_container(tmp_path, panel, kind):
    # chr11:102845221 A>AA: once "your file does not contain this site"
    for build in BUILDS:
        [call] = repeat(tmp_path, panel, build, [(5, "A", "AA", ["0/1"])], kind)
        assert str(call.genotype) == "5A/6A"


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("build", BUILDS)
def test_multi_sample_multi_allelic_record_at_the_run_end(tmp_path, panel, build, kind):
    samples = ("S1", "S2", "S3", "S4", "S5")
    record = (4, "AA", "AAA,A", ["0/0", "0/1", "1/1", "1/2", "./."])      # 6A and 4A, right-aligned
    calls = repeat(tmp_path, panel, build, [record], kind, samples)
    assert [str(c.genotype) if c.genotype else None for c in calls] == ["5A/5A", "5A/6A", "6A/6A", "4A/6A", None]
    assert calls[4].status is Status.NO_CALL and calls[4].flag is None


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("build", BUILDS)
def test_a_split_multi_allelic_site_is_read_together(tmp_path, panel, build, kind):
    # bcftools norm -m- writes 1/2 as two records, 1/0 and 0/1, one per ALT
    samples = ("S1", "S2", "S3", "S4")
    records = [(0, "G", "GA", ["0/0", "0/1", "1/1", "1/0"]), (0, "GA", "G", ["0/0", "0/0", "0/0", "0/1"])]
    calls = repeat(tmp_path, panel, build, records, kind, samples)
    assert [str(c.genotype) for c in calls] == ["5A/5A", "5A/6A", "6A/6A", "4A/6A"]
    assert any("read together from 2 records" in note for note in calls[3].notes)


@pytest.mark.parametrize("records", [
    [(0, "G", "GA", ["1/1"]), (0, "GA", "G", ["0/1"])],          # three alleles in a diploid call
    [(0, "G", "GA", ["0/1"]), (5, "A", "AA", ["1/1"])],          # the same 6A written twice, disagreeing
    [(0, "G", "GA", ["0/1"]), (5, "A", "AA", ["./."])],
])
def test_overlapping_records_that_disagree_are_a_flagged_no_call(tmp_path, panel, records):
    [call] = repeat(tmp_path, panel, "GRCh38", records)
    assert call.status is Status.NO_CALL
    assert "indels in the poly-A run whose genotypes disagree" in call.flag and "could not be read" in call.flag


def test_the_same_event_written_twice_and_agreeing_is_one_call(tmp_path, panel):
    [call] = repeat(tmp_path, panel, "GRCh38", [(0, "G", "GA", ["0/1"]), (5, "A", "AA", ["0/1"])])
    assert str(call.genotype) == "5A/6A"


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("offset, ref, alt", [
    (5, "A", "AT"),                          # a T inserted after the run
    (0, "G", "GT"),                          # and before it
    (3, "A", "AG"),                          # inside it
    (5, "AC", "A"),                          # the base after the run deleted
    (-1, "CG", "C"),                         # the anchor deleted
    (0, "GAAAAAC", "G"),                     # the run and the base after it deleted
    (2, "A", "T"),                           # a SNV inside the run: not a length
    (-2, "TCGAA", "TTGAAA"),                 # a SNV before the run and an A, in one allele
])
def test_a_change_in_the_run_that_is_not_a_length_is_a_flagged_no_call(tmp_path, panel, build, offset, ref, alt):
    [call] = repeat(tmp_path, panel, build, [(offset, ref, alt, ["0/1"])])
    assert call.status is Status.NO_CALL
    assert "in the poly-A run that could not be read" in call.flag
    assert "not a longer or shorter run of A" in call.flag


def test_a_sample_without_the_unreadable_allele_is_still_called(tmp_path, panel):
    calls = repeat(tmp_path, panel, "GRCh38", [(5, "A", "AA,AT", ["0/1", "0/2"])], samples=("S1", "S2"))
    assert str(calls[0].genotype) == "5A/6A"
    assert calls[1].status is Status.NO_CALL and "could not be read" in calls[1].flag


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("offset, ref, alt", [
    (5, "C", "CA"),                          # the run's last base is an A on the reference
    (0, "A", "AA"),                          # the base before the run is not an A
    (3, "AAAA", "AAAAA"),                    # nor is the base after it
    (0, "GAATAA", "GAATAAA"),
])
def test_a_ref_that_disagrees_with_the_run_is_a_wrong_build(tmp_path, panel, build, offset, ref, alt):
    [call] = repeat(tmp_path, panel, build, [(offset, ref, alt, ["0/1"])])
    assert call.status is Status.NO_CALL
    assert "a wrong build or a bad liftover" in call.flag and "run of 5 A" in call.flag


@pytest.mark.parametrize("build", BUILDS)
def test_a_snv_next_to_the_run_is_not_the_repeat(tmp_path, panel, build):
    for offset, ref, alt in ((0, "G", "T"), (6, "C", "T"), (-1, "C", "T")):
        [call] = repeat(tmp_path, panel, build, [(offset, ref, alt, ["0/1"])])
        assert call.status is Status.NOT_TESTED
    # ...and does not get in the way of the insertion next to it
    [call] = repeat(tmp_path, panel, build, [(0, "G", "T", ["0/1"]), (5, "A", "AA", ["1/1"])])
    assert str(call.genotype) == "6A/6A"


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("build", BUILDS)
def test_gvcf_block_over_the_run_is_reference(tmp_path, panel, build, kind):
    block = (-100, "T", "<NON_REF>", ["0/0"], {"info": f"END={ANCHOR[build] + 100}"})
    [call] = repeat(tmp_path, panel, build, [block], kind)
    assert str(call.genotype) == "5A/5A"
    assert any("gVCF reference block" in note for note in call.notes)


def test_unindexed_text_pass_keeps_a_padded_record_that_starts_before_the_anchor(tmp_path, panel, monkeypatch):
    # A complex event padded 3 bases to the left of the anchor, then a SNV record inside its REF:
    # the text pass must keep both, as the index fetch does.
    monkeypatch.setattr(vcf_scan, "BLOCK", 256)
    monkeypatch.setattr(vcf_scan, "CHECKED", 1)
    filler = [(-400 + i, "C", "T", ["0/1"]) for i in range(20)]
    records = [*filler, (-3, "TTCG", "TTCGA", ["0/1"]), (-1, "C", "T", ["0/1"])]
    for kind in CONTAINERS:
        [call] = repeat(tmp_path, panel, "GRCh38", records, kind)
        assert str(call.genotype) == "5A/6A", kind


def test_a_long_deletion_over_the_run_is_flagged_in_one_short_line(tmp_path, panel):
    ref = "T" * 10 + "G" + "A" * 5 + "C" * 5000               # a 5 kb deletion from 10 bases before the anchor
    [call] = repeat(tmp_path, panel, "GRCh38", [(-10, ref, "T", ["0/1"])], kind="tbi")
    assert call.status is Status.NO_CALL and "indel in the poly-A run that could not be read" in call.flag
    assert "(5,016 bases)" in call.flag and len(call.flag) < 300


def test_a_symbolic_deletion_at_the_anchor_is_flagged_not_untested(tmp_path, panel):
    header = '##ALT=<ID=DEL,Description="Deletion">'
    for offset in (0, -10):                  # at the anchor, or starting before it and spanning the run
        pos = ANCHOR["GRCh38"] + offset
        rows = [("11", pos, "G", "<DEL>", ["0/1", "0/0"], {"info": f"END={pos + 50}"})]
        for kind in CONTAINERS:
            path = Vcf(samples=["S1", "S2"], records=rows, extra_header=[header]).write(tmp_path, kind=kind)
            calls = [next(f.call for f in r.findings if f.call.rsid == "rs3025058") for r in read_calls(path, panel)]
            assert calls[0].status is Status.NO_CALL and "<DEL>" in calls[0].flag, (offset, kind)
            assert str(calls[1].genotype) == "5A/5A"
