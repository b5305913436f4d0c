"""Every third-party file in ../shared/real_genomes: read without a traceback, every row of a
supported file parses, and no panel site is invented (none of these files holds one)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.model import Status, Tally
from itbs_geno.pipeline import analyse
from itbs_geno.sites import EVERY_SITE
from itbs_geno.sources import claimants, detect
from itbs_geno.sources.opener import open_text

from conftest import REAL_GENOMES

if not REAL_GENOMES.is_dir():
    pytest.fail(f"{REAL_GENOMES} is missing: these tests need ../shared beside the checkout",
                pytrace=False)

FILES = sorted(p for p in REAL_GENOMES.rglob("*") if p.is_file() and not p.name.endswith(".md"))
# The files in a format this version reads, with their reader, row count and no-calls.
SUPPORTED = {
    "opensnp_greshake_23andme/100k_greshake_23andme_v3_tail.txt": ("23andme", 100000, 1904),
    "opensnp_greshake_23andme/testdatensatz1_23andme.txt": ("23andme", 985, None),
    "opensnp_greshake_23andme/testdatensatz2_23andme.txt": ("23andme", 985, None),
    "opensnp_greshake_23andme/testdatensatz3_23andme.txt": ("23andme", 43, None),
    "opensnp_greshake_23andme/testdatensatz4_23andme.txt": ("23andme", 43, None),
    "opensnp_vendor_excerpts/23andMe_test.csv": ("23andme", 5, 0),
    "opensnp_vendor_excerpts/ancestry_test.csv": ("ancestry", 5, 0),
    "snps_test_inputs/23andme.txt": ("23andme", 10, 1),
    "snps_test_inputs/23andme_allele.txt": ("23andme", 8, 1),
    "snps_test_inputs/23andme_win.txt": ("23andme", 10, 1),
    "snps_test_inputs/ancestry.txt": ("ancestry", 8, 1),
    "snps_test_inputs/ancestry_mt.txt": ("ancestry", 3, 1),
    "snps_test_inputs/ancestry_multi_sep.txt": ("ancestry", 8, 1),
    "snps_test_inputs/generic_no_header.tsv": ("23andme", 8, 1),
}
# Rows the files' authors edited by hand to odd values (PROVENANCE.md): refused, with a reason.
HAND_EDITED = {
    "opensnp_greshake_23andme/testdatensatz2_23andme.txt": {"rs4477212": "mixes a base", "rs3094315": "half a call"},
}


def name(path: Path) -> str:
    return path.relative_to(REAL_GENOMES).as_posix()


def test_the_supported_list_matches_what_the_readers_claim():
    claimed = set()
    for path in FILES:
        with open_text(path, claims=lambda head: True) as opened:
            if claimants(opened.head):
                claimed.add(name(path))
    assert claimed == set(SUPPORTED)


@pytest.mark.parametrize("relative", sorted(SUPPORTED))
def test_every_row_of_a_supported_file_parses(relative):
    path = REAL_GENOMES / relative
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        reader = detect(path, opened.head)
        tally = Tally()
        rows = list(reader.read(opened.lines, opened.head, EVERY_SITE, tally))
    expected_reader, variants, no_calls = SUPPORTED[relative]
    assert (reader.NAME, tally.variants, tally.malformed) == (expected_reader, variants, 0)
    if no_calls is not None:
        assert tally.no_calls == no_calls
    assert len(rows) == variants
    problems = {r.id: r.problem for r in rows if r.problem}
    expected = HAND_EDITED.get(relative, {})
    assert set(problems) == set(expected)
    for ident, reason in expected.items():
        assert reason in problems[ident]


@pytest.mark.parametrize("relative", sorted(SUPPORTED))
def test_no_panel_site_is_invented(panel, relative):
    [result] = analyse(REAL_GENOMES / relative, panel)
    assert [f.call.status for f in result.findings] == [Status.NOT_TESTED] * len(panel.markers)


def test_build_from_the_23andme_v3_header(panel):
    [result] = analyse(REAL_GENOMES / "opensnp_greshake_23andme/testdatensatz1_23andme.txt", panel)
    assert result.source.build == "NCBI36"
    assert result.source.build_basis == 'from the header: the file header says "build 36"'


@pytest.mark.parametrize("path", FILES, ids=name)
def test_no_file_gives_a_traceback(path):
    result = CliRunner().invoke(cli, ["call", "--json", str(path)])
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    else:
        assert name(path) in SUPPORTED
