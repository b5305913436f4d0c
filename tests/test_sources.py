"""Every reader on every layout it must handle. Each fixture in data/formats encodes the
same mini-panel (below) plus its own quirk, so one expected table checks them all."""

from pathlib import Path

import pytest

from itbs_geno.model import Tally
from itbs_geno.sites import EVERY_SITE, Sites
from itbs_geno.sources import SOURCES, claimants, detect
from itbs_geno.sources._table import read_rows
from itbs_geno.sources.opener import open_text

from conftest import DATA

FORMATS = DATA / "formats"
MINI_PANEL = {"rs12722": "CT", "rs1800012": "AC", "rs1800795": "CG", "rs679620": None, "rs1815739": "TT"}
SITES = Sites(frozenset(MINI_PANEL), frozenset())
FIXTURES = {   # file -> (reader, layout, rows)
    "23andme_v5_genotype_column.txt": ("23andme", "genotype", 11),
    "23andme_v3_build36_crlf.txt": ("23andme", "genotype", 7),
    "23andme_allele_columns_bom.txt": ("23andme", "allele1/allele2", 6),
    "ancestry_v2_chromosomes_23_26.txt": ("ancestry", "allele1/allele2", 10),
    "ancestry_cr_only_line_ends.txt": ("ancestry", "allele1/allele2", 5),
    "ancestry_utf16_bom.txt": ("ancestry", "allele1/allele2", 10),
    "myheritage_quoted.csv": ("myheritage", "genotype", 6),
    "myheritage_double_quoted_crlf.csv": ("myheritage", "genotype", 6),
    "ftdna_illumina_build37.csv": ("ftdna", "genotype", 6),
    "ftdna_illumina_build36_crlf.csv": ("ftdna", "genotype", 6),
    "ftdna_famfinder_alleles.csv": ("ftdna", "allele1/allele2", 6),
    "livingdna_tab.txt": ("livingdna", "genotype", 7),
    "myheritage_v2_mhv1_header.csv": ("myheritage", "genotype", 6),
    "generic_headerless_crlf.txt": ("generic", "genotype", 6),
    "generic_comma_header.csv": ("generic", "genotype", 6),
    "generic_space_reordered_columns.txt": ("generic", "genotype", 6),
    "generic_allele_columns.tsv": ("generic", "allele1/allele2", 6),
}


def read(path: Path, sites: Sites = SITES):
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        reader = detect(path, opened.head)
        tally = Tally()
        layout = reader.layout(opened.head)
        rows = list(read_rows(opened.lines, sites, tally, layout))
        return reader, layout.name, rows, tally


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FORMATS.iterdir()) == sorted(FIXTURES)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_is_claimed_by_exactly_one_reader(name):
    """Exactly one reader makes the strongest claim (a vendor's file may also pass for a generic table)."""
    with open_text(FORMATS / name, claims=lambda head: True) as opened:
        grades = {s.NAME: s.sniff(opened.head) for s in SOURCES}
        found = [s.NAME for s in claimants(opened.head)]
    assert found == [FIXTURES[name][0]]
    assert sorted(grades.values())[-2] < grades[found[0]]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_gives_the_mini_panel(name):
    reader, layout, rows, tally = read(FORMATS / name)
    assert (reader.NAME, layout, tally.variants) == FIXTURES[name]
    found = {r.id: (str(r.genotype) if r.genotype else None) for r in rows}
    assert found == MINI_PANEL
    assert all(r.problem is None for r in rows)
    assert tally.malformed == 0
    assert tally.no_calls == 1


def test_23andme_quirks_haploid_indel_and_internal_ids():
    _, _, rows, tally = read(FORMATS / "23andme_v5_genotype_column.txt", EVERY_SITE)
    by_id = {r.id: r for r in rows}
    assert tally.variants == 11
    assert str(by_id["i5012345"].genotype) == "DI"
    assert [str(by_id[i].genotype) for i in ("rs5939319", "rs2032652", "rs2853517")] == ["G", "C", "A"]
    assert by_id["rs12722"].pos == 137734416 and by_id["rs12722"].chrom == "9"


def test_ancestry_chromosome_codes_23_to_26():
    _, _, rows, _ = read(FORMATS / "ancestry_v2_chromosomes_23_26.txt", EVERY_SITE)
    chroms = {r.id: r.chrom for r in rows}
    assert [chroms[i] for i in ("rs5939319", "rs2032652", "rs28357", "rs2853517")] == ["X", "Y", "PAR", "MT"]


def test_reordered_columns_are_found_by_name():
    _, _, rows, _ = read(FORMATS / "generic_space_reordered_columns.txt", EVERY_SITE)
    first = rows[0]
    assert (first.id, first.chrom, first.pos, str(first.genotype)) == ("rs3094315", "1", 752566, "AA")


def test_only_panel_rows_are_kept():
    _, _, rows, tally = read(FORMATS / "23andme_v5_genotype_column.txt")
    assert len(rows) == 5 and tally.variants == 11


def test_duplicate_rows_are_all_reported(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("# 23andMe\nrs12722\t9\t137734416\tCT\nrs12722\t9\t137734416\tTT\n")
    _, _, rows, _ = read(path)
    assert [str(r.genotype) for r in rows] == ["CT", "TT"]


def test_wrong_shaped_panel_row_is_a_problem_not_a_genotype(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("# 23andMe\nrs12722\t9\t137734416\nrs1815739\t11\t66328095\tZZ\nrs1\t1\t1\tAA\n")
    _, _, rows, tally = read(path)
    assert tally.malformed == 1 and tally.variants == 3
    problems = {r.id: r.problem for r in rows}
    assert "expected 4" in problems["rs12722"] and "not an allele" in problems["rs1815739"]


def test_several_rsids_in_one_field(tmp_path):
    path = tmp_path / "multi.tsv"
    path.write_text("rsid\tchromosome\tposition\tgenotype\nrs999,rs1815739\t11\t66328095\tCT\n")
    _, _, rows, _ = read(path)
    assert [(r.id, str(r.genotype)) for r in rows] == [("rs1815739", "CT")]


@pytest.mark.parametrize("text, reason", [
    ("Name,Variation,Chromosome,Position,Strand,YourCode\nrs1,A/G,1,1,+,AG\n", "Strand column"),
    ("rs1\tAG\n", "two columns"),
    ("hello world\n", "prose"),
])
def test_tables_the_generic_reader_refuses(tmp_path, text, reason):
    path = tmp_path / "x.txt"
    path.write_text(text)
    with open_text(path, claims=lambda head: True) as opened:
        assert claimants(opened.head) == [], reason
