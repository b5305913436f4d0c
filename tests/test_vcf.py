"""VCF and BCF: every container, both builds, chr or not, IDs or not, gVCF blocks, many samples,
and every odd genotype a caller writes. The files are made here (vcf_factory)."""

import json

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.model import Status
from itbs_geno.pipeline import read_calls
from itbs_geno.sources import vcf_scan

from conftest import over_panel
from vcf_factory import PERSON, PERSON_CALLS, Vcf

KINDS = ["vcf", "bgzip", "tbi", "csi", "gzip", "bcf", "bcf-csi"]


def calls(result) -> dict[str, str | None]:
    return {f.call.rsid: (str(f.call.genotype) if f.call.genotype else None) for f in result.findings}


def by_rsid(result):
    return {f.call.rsid: f for f in result.findings}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize("chr_prefix, ids", [(False, False), (True, True)])
def test_same_person_in_every_container_build_and_naming(tmp_path, panel, kind, build, chr_prefix, ids):
    path = Vcf(build=build, chr_prefix=chr_prefix, ids=ids).write(tmp_path, kind=kind)
    [result] = read_calls(path, panel)
    assert calls(result) == over_panel(panel, PERSON_CALLS)
    assert result.source.build == build
    assert result.source.build_basis.startswith("from the data: 4 panel site(s) have records")
    assert result.source.format == ("bcf" if kind.startswith("bcf") else "vcf")
    assert result.source.index == {"tbi": "tbi", "csi": "csi", "bcf-csi": "csi"}.get(kind)
    assert result.source.compression == {"vcf": "none", "gzip": "gzip"}.get(kind, "bgzf")
    found = by_rsid(result)
    assert found["rs679620"].call.status is Status.NO_CALL and found["rs679620"].call.flag is None
    assert found["rs3025058"].category == "intermediate"


def test_indexed_file_is_not_scanned(tmp_path, panel):
    [result] = read_calls(Vcf().write(tmp_path, kind="tbi"), panel)
    assert result.source.variants is None                  # only the panel's regions were fetched


def test_vcf_matches_consumer_file_for_the_same_person(tmp_path, panel):
    from conftest import DATA
    [chip] = read_calls(DATA / "formats" / "ftdna_illumina_build37.csv", panel)
    [wgs] = read_calls(Vcf(build="GRCh38").write(tmp_path), panel)
    chip_calls, wgs_calls = calls(chip), calls(wgs)
    assert wgs_calls.pop("rs3025058") == "5A/6A" and chip_calls.pop("rs3025058") is None   # not on chips
    assert chip_calls == wgs_calls


def test_wrong_ref_is_flagged_not_called(tmp_path, panel):
    records = [(*r[:2], "G" if r[1] == 66560624 else r[2], r[3], [r[4]]) for r in PERSON["GRCh38"]]
    [result] = read_calls(Vcf(records=records).write(tmp_path), panel)
    actn3 = by_rsid(result)["rs1815739"].call
    assert actn3.status is Status.NO_CALL
    assert "REF is G but the GRCh38 reference here is C: a wrong build or a bad liftover" in actn3.flag


def test_header_build_that_conflicts_with_the_data_is_a_warning(tmp_path, panel):
    [result] = read_calls(Vcf(build="GRCh38", reference="hg19.fa", contigs=False).write(tmp_path), panel)
    assert result.source.build == "GRCh38"
    assert "the header" in result.source.build_basis and "disagrees" in result.source.build_basis
    assert any("points to GRCh37" in w for w in result.source.warnings)
    assert calls(result) == over_panel(panel, PERSON_CALLS)


def test_build_from_contig_lengths_when_no_panel_site_is_present(tmp_path, panel):
    records = [("1", 1000, "A", "G", ["0/1"])]
    [result] = read_calls(Vcf(build="GRCh37", records=records).write(tmp_path), panel)
    assert result.source.build == "GRCh37" and "##contig length" in result.source.build_basis
    assert all(f.call.status is Status.NOT_TESTED for f in result.findings)


def test_no_build_information_means_nothing_is_read(tmp_path, panel):
    [result] = read_calls(Vcf(contigs=False, records=[("1", 1000, "A", "G", ["0/1"])]).write(tmp_path), panel)
    assert result.source.build is None and result.source.build_basis.startswith("undecided")


def gvcf(*extra):
    # a reference block over ACTN3 and one over the MMP3 poly-A run; nothing at COL5A1
    return [("11", 66560000, "A", "<NON_REF>", ["0/0"], {"info": "END=66561000"}),
            ("11", 102845100, "T", "<NON_REF>", ["0/0"], {"info": "END=102845300"}),
            ("7", 22727026, "C", "G,<NON_REF>", ["0/1"]), *extra]


def test_gvcf_reference_block_is_homozygous_reference_and_says_so(tmp_path, panel):
    [result] = read_calls(Vcf(records=gvcf()).write(tmp_path, kind="tbi"), panel)
    found = by_rsid(result)
    assert str(found["rs1815739"].call.genotype) == "CC"
    assert "inside a gVCF reference block (11:66560000–66561000): homozygous reference" in found["rs1815739"].call.notes
    assert str(found["rs3025058"].call.genotype) == "5A/5A"
    assert str(found["rs1800795"].call.genotype) == "CG"
    assert found["rs12722"].call.status is Status.NOT_TESTED          # outside every record


def test_assume_ref_fills_missing_sites_and_marks_them(tmp_path, panel):
    [result] = read_calls(Vcf(records=gvcf()).write(tmp_path), panel, assume_ref=True)
    col5a1 = by_rsid(result)["rs12722"].call
    assert str(col5a1.genotype) == "CC"
    assert any("--assume-ref" in n for n in col5a1.notes)
    assert any("--assume-ref" in w for w in result.source.warnings)
    # a reference allele that is not verified is never assumed
    assert by_rsid(result)["rs679620"].call.status is Status.NOT_TESTED


@pytest.mark.parametrize("gt, expected, flag", [
    ("0|1", "CT", None), ("1|1", "TT", None), (".|.", None, None), ("./.", None, None),
    ("0/.", None, "half a call"), ("1", None, "haploid"), ("0/2", None, "not one of this SNP's"),
    ("2/2", None, "not one of this SNP's"), ("0/3", None, "not a base"),
])
def test_genotype_shapes(tmp_path, panel, gt, expected, flag):
    records = [("11", 66560624, "C", "T,G,<NON_REF>", [gt])]
    [result] = read_calls(Vcf(records=records).write(tmp_path), panel)
    call = by_rsid(result)["rs1815739"].call
    assert (str(call.genotype) if call.genotype else None) == expected
    if flag:
        assert flag in call.flag
    else:
        assert call.flag is None
    assert any("multi-allelic record" in n for n in call.notes)


def test_filter_gq_and_dp_are_shown(tmp_path, panel):
    records = [("11", 66560624, "C", "T", ["0/1:35:12"], {"filter": "LowQual", "format": "GT:GQ:DP"})]
    [result] = read_calls(Vcf(records=records).write(tmp_path), panel)
    call = by_rsid(result)["rs1815739"].call
    assert str(call.genotype) == "CT"
    assert "FILTER LowQual (not PASS)" in call.notes and "GQ 35, DP 12" in call.notes


def test_other_rsid_in_the_id_column_is_a_cross_check_note(tmp_path, panel):
    text = Vcf(records=[("11", 66560624, "C", "T", ["0/1"])]).text().replace("66560624\t.", "66560624\trs999")
    path = tmp_path / "x.vcf"
    path.write_text(text)
    call = by_rsid(read_calls(path, panel)[0])["rs1815739"].call
    assert str(call.genotype) == "CT" and call.via == "rs1815739"
    assert "the file names this site rs999; it was matched by position and REF" in call.notes


def test_unverified_reference_allele_accepts_either_allele_as_ref(tmp_path, panel):
    records = [("11", 102842889, "T", "C", ["0/1"])]         # rs679620: which base is REF is unverified
    [result] = read_calls(Vcf(records=records).write(tmp_path), panel)
    assert str(by_rsid(result)["rs679620"].call.genotype) == "CT"


@pytest.mark.parametrize("ref, alt, gt, expected", [
    ("G", "GA", "1/1", "6A/6A"), ("GA", "G", "0/1", "4A/5A"), ("GAAAAA", "GAAAAAA,GAAAA", "1/2", "4A/6A"),
    ("G", "GA", "0/0", "5A/5A"),
])
def test_mmp3_repeat_is_read_by_length(tmp_path, panel, ref, alt, gt, expected):
    [result] = read_calls(Vcf(records=[("11", 102845216, ref, alt, [gt])]).write(tmp_path), panel)
    finding = by_rsid(result)["rs3025058"]
    assert str(finding.call.genotype) == expected
    if "4A" in expected:
        assert finding.category == "uncertain" and "did not compare" in finding.meaning


def test_repeat_allele_that_is_not_a_run_of_a_is_refused(tmp_path, panel):
    [result] = read_calls(Vcf(records=[("11", 102845216, "G", "GT", ["0/1"])]).write(tmp_path), panel)
    call = by_rsid(result)["rs3025058"].call
    assert call.status is Status.NO_CALL and "not a longer or shorter run of A" in call.flag


def test_unindexed_stream_stops_after_the_last_panel_site(tmp_path, panel, monkeypatch):
    # A broken line far after every panel site is never reached, so it cannot fail the run.
    monkeypatch.setattr(vcf_scan, "BLOCK", 256)              # small blocks, as a big file has
    monkeypatch.setattr(vcf_scan, "CHECKED", 2)
    filler = [f"18\t{100 + i}\t.\tA\tG\t50\tPASS\t.\tGT\t0/1" for i in range(200)]
    vcf = Vcf(tail=[*filler, "19\tbroken line"])
    for kind in ("vcf", "gzip", "bgzip"):
        [result] = read_calls(vcf.write(tmp_path, name=kind, kind=kind), panel)
        assert calls(result) == over_panel(panel, PERSON_CALLS)
        assert 6 < result.source.variants < 20              # stopped within a block of chromosome 18


def test_text_pass_keeps_a_gvcf_block_that_starts_in_an_earlier_block(tmp_path, panel, monkeypatch):
    monkeypatch.setattr(vcf_scan, "BLOCK", 128)
    monkeypatch.setattr(vcf_scan, "CHECKED", 1)
    filler = [("11", 66500000 + i, "A", "G", ["0/1"]) for i in range(20)]
    block = [("11", 66560000, "A", "<NON_REF>", ["0/0"], {"info": "END=66561000"})]
    after = [("11", 66561001 + i, "A", "G", ["0/1"]) for i in range(20)]
    [result] = read_calls(Vcf(records=filler + block + after).write(tmp_path), panel)
    assert str(by_rsid(result)["rs1815739"].call.genotype) == "CC"


SQUAD = ["Ana", "Ben", "Cai"]


def squad_vcf(tmp_path, kind="bgzip"):
    records = [("11", 66560624, "C", "T", ["0/0", "0/1", "1/1"]), ("9", 134842570, "C", "T", ["1/1", "./.", "0/1"])]
    return Vcf(samples=SQUAD, records=records).write(tmp_path, kind=kind)


def test_multi_sample_results_in_file_order(tmp_path, panel):
    results = read_calls(squad_vcf(tmp_path), panel)
    assert [r.sample for r in results] == SQUAD
    assert [calls(r)["rs1815739"] for r in results] == ["CC", "CT", "TT"]
    assert [calls(r)["rs12722"] for r in results] == ["TT", None, "CT"]


def test_cli_multi_sample(tmp_path):
    path = squad_vcf(tmp_path)
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["call", "--json", str(path)]).stdout)
    assert [r["sample"] for r in listed] == SQUAD
    one = runner.invoke(cli, ["report", str(path), "--sample", "Ben", "-o", str(tmp_path / "ben.html")])
    assert one.exit_code == 0 and (tmp_path / "ben.html").exists()
    folder = str(tmp_path / "out") + "/"
    many = runner.invoke(cli, ["report", str(path), "-o", folder, "--json", folder])
    assert many.exit_code == 0, many.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{s}.html" for s in SQUAD] + [f"{s}.json" for s in SQUAD])
    refused = runner.invoke(cli, ["report", str(path), "-o", str(tmp_path / "x.html")])
    assert refused.exit_code == 2
    assert "holds 3 samples (Ana, Ben, Cai); choose one with --sample NAME, or give -o DIR/" in refused.stderr
    missing = runner.invoke(cli, ["call", str(path), "--sample", "Zed"])
    assert missing.exit_code == 2 and 'no sample named "Zed"' in missing.stderr


def test_inspect_vcf(tmp_path, panel):
    result = CliRunner().invoke(cli, ["inspect", str(squad_vcf(tmp_path, kind="csi"))])
    assert result.exit_code == 0
    out = result.stdout
    assert "index             csi" in out and "samples           3" in out
    assert f"panel sites found Ben: 2 of {len(panel.markers)} (rs12722, rs1815739)" in out
    assert "variants          not counted (read through the index)" in out


@pytest.mark.parametrize("text, message", [
    ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t1\t.\tA\tG\t.\t.\t.\n",
     "no sample columns"),
    (("##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
      "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n1\t1\t.\tA\tG\t.\t.\t.\tGT\t0/1\n"),
     "malformed VCF record"),
    ("##fileformat=VCFv4.2\n1\t1\t.\tA\tG\t.\t.\t.\n", "not a readable VCF"),
])
def test_broken_vcfs_are_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "bad.vcf"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["call", str(path)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_truncated_plain_gzip_vcf(tmp_path):
    path = Vcf().write(tmp_path, kind="gzip")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])
    result = CliRunner().invoke(cli, ["call", str(path)])
    assert result.exit_code == 2 and "truncated or damaged" in result.stderr
