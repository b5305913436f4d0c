"""Every third-party file in tests/data/third_party (copied from ../shared/real_genomes): read without a
traceback, every row of a supported file parses, and no panel site is invented (none of these files holds one)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.model import Status, Tally
from itbs_geno.pipeline import read_calls
from itbs_geno.sites import EVERY_SITE
from itbs_geno.sources import claimants, detect
from itbs_geno.sources._table import read_rows
from itbs_geno.sources.opener import open_text

from conftest import REAL_GENOMES

FILES = sorted(p for p in REAL_GENOMES.rglob("*") if p.is_file() and not p.name.endswith(".md"))
# The consumer tables, with their reader, row count and no-calls. Header-less copies of
# 23andMe rows are read as generic tables: without the header nothing says the vendor.
TABLES = {
    "opensnp_greshake_23andme/100k_greshake_23andme_v3_tail.txt": ("generic", 100000, 1904),
    "opensnp_greshake_23andme/testdatensatz1_23andme.txt": ("23andme", 985, 1),
    "opensnp_greshake_23andme/testdatensatz2_23andme.txt": ("23andme", 985, 1),
    "opensnp_greshake_23andme/testdatensatz3_23andme.txt": ("generic", 43, 1),
    "opensnp_greshake_23andme/testdatensatz4_23andme.txt": ("generic", 43, 1),
    "opensnp_vendor_excerpts/23andMe_test.csv": ("generic", 5, 0),
    "opensnp_vendor_excerpts/GenesForGood_test.csv": ("generic", 5, 0),
    "opensnp_vendor_excerpts/ancestry_test.csv": ("ancestry", 5, 0),
    "opensnp_vendor_excerpts/ftdna-illumina_sample.csv": ("ftdna", 5, 0),
    "snps_test_inputs/23andme.txt": ("23andme", 10, 1),
    "snps_test_inputs/23andme_allele.txt": ("23andme", 8, 1),
    "snps_test_inputs/23andme_win.txt": ("23andme", 10, 1),
    "snps_test_inputs/23mofang.txt": ("generic", 8, 1),
    "snps_test_inputs/DNALand.txt": ("generic", 8, 1),
    "snps_test_inputs/GRCh37.csv": ("generic", 4, 1),
    "snps_test_inputs/GRCh37_PAR.csv": ("generic", 4, 0),
    "snps_test_inputs/GRCh38.csv": ("generic", 4, 1),
    "snps_test_inputs/NCBI36.csv": ("generic", 4, 1),
    "snps_test_inputs/ancestry.txt": ("ancestry", 8, 1),
    "snps_test_inputs/ancestry_mt.txt": ("ancestry", 3, 1),
    "snps_test_inputs/ancestry_multi_sep.txt": ("ancestry", 8, 1),
    "snps_test_inputs/chromosomes.csv": ("generic", 6, 0),
    "snps_test_inputs/circledna.txt": ("generic", 9, 0),
    "snps_test_inputs/duplicate_rsids.csv": ("generic", 3, 0),
    "snps_test_inputs/ftdna.csv": ("ftdna", 8, 1),
    "snps_test_inputs/ftdna_famfinder.csv": ("ftdna", 8, 1),
    "snps_test_inputs/generic.csv": ("generic", 8, 1),
    "snps_test_inputs/generic.tsv": ("generic", 8, 1),
    "snps_test_inputs/generic_extra_column.tsv": ("generic", 8, 1),
    "snps_test_inputs/generic_header_comment.tsv": ("generic", 8, 1),
    "snps_test_inputs/generic_multi_rsid.tsv": ("generic", 8, 1),
    "snps_test_inputs/generic_no_header.tsv": ("generic", 8, 1),
    "snps_test_inputs/generic_non_standard_columns.tsv": ("generic", 8, 1),
    "snps_test_inputs/genesforgood.txt": ("generic", 8, 1),
    "snps_test_inputs/livingdna.csv": ("livingdna", 8, 1),
    "snps_test_inputs/mapmygenome_new_format.txt": ("generic", 8, 1),
    "snps_test_inputs/myheritage.csv": ("myheritage", 8, 1),
    "snps_test_inputs/myheritage_extra_quotes.csv": ("myheritage", 8, 1),
    "snps_test_inputs/plink.txt": ("generic", 8, 1),
    "snps_test_inputs/sano_dtc.txt": ("generic", 8, 1),
    "snps_test_inputs/sano_dtc_no_comments.txt": ("generic", 8, 1),
    "snps_test_inputs/selfdecode.txt": ("generic", 8, 1),
    "snps_test_inputs/tellmeGen.txt": ("generic", 8, 1),
}
# The VCF/BCF files: format, number of samples, build as decided (None: nothing in the file says).
VCFS = {
    "opensnp_vendor_excerpts/23andmeexome_test.csv": ("vcf", 1, "GRCh37"),
    "snps_test_inputs/testvcf.vcf": ("vcf", 1, None),
    "snps_test_inputs/testvcf_chr_prefix.vcf": ("vcf", 1, None),
    "snps_test_inputs/testvcf_multi_sample.vcf": ("vcf", 2, None),
    "snps_test_inputs/testvcf_phased.vcf": ("vcf", 1, None),
    "snps_test_inputs/unannotated_testvcf.vcf": ("vcf", 1, None),
    "vcf_cyvcf2/multi-contig.vcf.gz": ("vcf", 3, "NCBI36"),
    "vcf_cyvcf2/test-haploidX.vcf": ("vcf", 3, "GRCh37"),
    "vcf_cyvcf2/test.vcf.gz": ("vcf", 189, "GRCh37"),
    "vcf_htslib/index.vcf": ("vcf", 1, "GRCh37"),
    "vcf_htslib/vcf44_1.vcf": ("vcf", 2, None),
    "vcf_htslib/vcf_file.bcf": ("bcf", 2, "GRCh37"),
    "vcf_htslib/vcf_file.vcf": ("vcf", 2, "GRCh37"),
    "vcf_pharmcat/100samples.vcf.bgz": ("vcf", 100, "GRCh38"),
    "vcf_pharmcat/NamedAlleleMatcher-mismatchedRefAllele.vcf": ("vcf", 1, "GRCh38"),
    "vcf_pharmcat/multisample.vcf": ("vcf", 2, "GRCh38"),
    "vcf_pharmcat/pharmcat.example.vcf": ("vcf", 1, "GRCh38"),
    "vcf_pharmcat/pharmcat_positions.vcf.bgz": ("vcf", 1, "GRCh38"),
    "vcf_pharmcat/raw.vcf": ("vcf", 2, "GRCh38"),
    "vcf_pharmcat/raw_chr.vcf": ("vcf", 2, "GRCh38"),
    "vcf_pharmcat/test.g.vcf.bgz": ("vcf", 1, "GRCh38"),
    "vcf_pharmcat/test_gvcf_block.vcf": ("vcf", 1, "GRCh38"),
    "vcf_pysam/ex1.vcf.gz": ("vcf", 2, "GRCh37"),
    "vcf_pysam/tabix_4_1kg_chr20_383samples.vcf": ("vcf", 383, "GRCh37"),
    "vcf_vcfpy/1kg.vcf.gz": ("vcf", 629, None),
    "vcf_vcfpy/freebayes.vcf": ("vcf", 7, "GRCh37"),
    "vcf_vcfpy/gatk.vcf": ("vcf", 7, "GRCh37"),
    "vcf_vcfpy/samtools.vcf": ("vcf", 1, None),
}
# Refused with exit 2 and one line: what each file is, and the words the message must hold.
REFUSED = {
    "vcf_vcfpy/strelka.vcf": "a malformed VCF record",          # an empty sample column
    "vcf_pysam/tabix_16_1kg_chr20_sites_rsids.vcf": "no sample columns",
    "vcf_pysam/tabix_3_ncbi36_sites_rsids.vcf": "no sample columns",
    "vcf_vcfpy/1kg.sites.vcf": "no sample columns",
    "opensnp_greshake_23andme/decode_small.txt": "not a recognised genotype file",   # has a Strand column
    "opensnp_vendor_excerpts/deCODEme_test.csv": "not a recognised genotype file",
    "snps_test_inputs/empty.txt": "the file is empty",
    "vcf_pysam/ex1.vcf.gz.tbi": "binary data",
    "vcf_pharmcat/pharmcat_positions.vcf.bgz.csi": "binary data",
}
SUPPORTED = {**TABLES, **VCFS}
# Vendor formats this tool does not read (yet): refused as not recognised.
UNSUPPORTED_FORMATS = {"snps_test_inputs/" + n for n in (
    "codigo46.txt", "discrepant_snps.csv", "generic.fa", "mapmygenome.txt", "mapmygenome_alt_header.txt",
    "sano.txt")} | {"opensnp_vendor_excerpts/iyg_sample.csv"}
# Rows the files' authors edited by hand to odd values (PROVENANCE.md): refused, with a reason.
HAND_EDITED = {
    "opensnp_greshake_23andme/testdatensatz2_23andme.txt": {"rs4477212": "mixes a base", "rs3094315": "half a call"},
}


def name(path: Path) -> str:
    return path.relative_to(REAL_GENOMES).as_posix()


def test_the_supported_list_matches_what_the_readers_claim():
    claimed = {}
    for path in FILES:
        with open_text(path, claims=lambda head: True) as opened:
            found = claimants(opened.head)
        assert len(found) <= 1, (name(path), [s.NAME for s in found])
        if found:
            claimed[name(path)] = found[0].NAME
    expected = {k: ("vcf" if v[0] == "bcf" else v[0]) for k, v in SUPPORTED.items()}
    expected.update({k: "vcf" for k in REFUSED if k.endswith(".vcf")})     # recognised, then refused
    assert claimed == expected


@pytest.mark.parametrize("relative", sorted(TABLES))
def test_every_row_of_a_supported_table_parses(relative):
    path = REAL_GENOMES / relative
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        reader = detect(path, opened.head)
        tally = Tally()
        rows = list(read_rows(opened.lines, EVERY_SITE, tally, reader.layout(opened.head)))
    expected_reader, variants, no_calls = TABLES[relative]
    assert (reader.NAME, tally.variants, tally.malformed, tally.no_calls) == (expected_reader, variants, 0, no_calls)
    assert len(rows) == variants
    problems = {r.id: r.problem for r in rows if r.problem}
    expected = HAND_EDITED.get(relative, {})
    assert set(problems) == set(expected)
    for ident, reason in expected.items():
        assert reason in problems[ident]


@pytest.mark.parametrize("relative", sorted(SUPPORTED))
def test_no_panel_site_is_invented(panel, relative):
    results = read_calls(REAL_GENOMES / relative, panel)
    for result in results:
        assert [f.call.status for f in result.findings] == [Status.NOT_TESTED] * len(panel.markers)


@pytest.mark.parametrize("relative", sorted(VCFS))
def test_every_vcf_is_read_with_its_samples_and_build(panel, relative):
    results = read_calls(REAL_GENOMES / relative, panel)
    fmt, samples, build = VCFS[relative]
    source = results[0].source
    assert (source.format, len(results), source.build) == (fmt, samples, build)
    assert [r.sample for r in results] == list(source.samples)


@pytest.mark.parametrize("relative", sorted(REFUSED))
def test_unreadable_files_are_refused_with_one_clear_line(relative):
    result = CliRunner().invoke(cli, ["call", str(REAL_GENOMES / relative)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and REFUSED[relative] in result.stderr


def test_build_from_the_23andme_v3_header(panel):
    [result] = read_calls(REAL_GENOMES / "opensnp_greshake_23andme/testdatensatz1_23andme.txt", panel)
    assert result.source.build == "NCBI36"
    assert result.source.build_basis == 'from the header: the header says "build 36"'


@pytest.mark.parametrize("path", FILES, ids=name)
def test_no_file_gives_a_traceback(path):
    result = CliRunner().invoke(cli, ["call", "--json", str(path)])
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    else:
        assert name(path) in SUPPORTED
    assert (result.exit_code == 2) == (name(path) in REFUSED or name(path).startswith("greshake_derived/")
                                       or name(path) in UNSUPPORTED_FORMATS)
