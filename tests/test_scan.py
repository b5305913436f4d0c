"""The whole-block scan (sources/_scan.py) against the line loop: the same rows, in the same order,
and the same counts, on every table fixture, on real and third-party files, on files with their
lines shuffled, at block sizes down to a few characters, and on fuzzed files."""

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itbs_geno.errors import InputError
from itbs_geno.model import Tally
from itbs_geno.sites import Sites
from itbs_geno.sources import claimants, detect, opener
from itbs_geno.sources._scan import BlockScan
from itbs_geno.sources._table import Layout, read_rows
from itbs_geno.sources.opener import open_text

import fuzzing

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import ancestry_text, twentythree_text  # noqa: E402

TABLE_SUFFIXES = (".txt", ".csv", ".tsv", ".gz", ".zip")
FOLDERS = (ROOT / "tests/data/formats", ROOT / "sample_genomes", ROOT / "tests/data/third_party")
FIXTURES = sorted(p for folder in FOLDERS for p in folder.rglob("*")
                  if p.is_file() and p.name.lower().endswith(TABLE_SUFFIXES))
JOINED, PAIR = Layout("genotype", 4), Layout("allele1/allele2", 5, genotype=(3, 4),
                                            chromosomes={"23": "X", "24": "Y", "25": "PAR", "26": "MT"})


def file_sites(path: Path, panel) -> Sites:
    """The panel's sites plus every 7th row's ID and position of the file itself: many rows to find."""
    ids, positions = set(panel.sites.ids), set(panel.sites.positions)
    with open_text(path, claims=lambda head: True) as opened:
        for i, line in enumerate(opened.lines):
            fields = line.replace(",", " ").replace('"', " ").split()
            if i % 7 == 3 and len(fields) >= 3:
                ids.add(fields[0])
                positions.add((fields[1].removeprefix("chr"), fields[2]))
    return Sites(frozenset(ids), frozenset(positions))


def both_ways(path: Path, sites: Sites) -> list[tuple]:
    """(rows, counts) from the line loop over every line, from the blocks with the scan, and from the
    blocks without it; an InputError counts as its message."""
    answers = []
    for way in ("lines", "scan", "blocks"):
        tally = Tally()
        try:
            with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
                reader = detect(path, opened.head, opened.refusal)
                if not hasattr(reader, "layout"):
                    answers.append(("not a table",))
                    continue
                layout = reader.layout(opened.head)
                if way == "lines":
                    rows = list(read_rows(opened.lines, sites, tally, layout))
                else:
                    rows = list(read_rows(opened.head, sites, tally, layout, opened.blocks, scan=way == "scan"))
            answers.append((rows, (tally.variants, tally.no_calls, tally.malformed)))
        except InputError as err:
            answers.append((str(err),))
    return answers


def table_files() -> list[Path]:
    found = []
    for path in FIXTURES:
        try:
            with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
                if hasattr(detect(path, opened.head, opened.refusal), "layout"):
                    found.append(path)
        except InputError:
            pass
    return found


TABLE_FILES = table_files()


def test_the_fixtures_cover_every_table_reader():
    names = set()
    for path in TABLE_FILES:
        with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
            names.add(detect(path, opened.head).NAME)
    assert names == {"23andme", "ancestry", "myheritage", "ftdna", "livingdna", "generic"}
    assert len(TABLE_FILES) > 40


@pytest.mark.parametrize("blocks", ["whole", "small", "tiny"])
@pytest.mark.parametrize("path", TABLE_FILES, ids=lambda p: p.name)
def test_scan_and_loop_agree_on_every_fixture(monkeypatch, panel, path, blocks):
    size = path.stat().st_size * 4                   # decompressed, roughly
    # Block ends fall inside rows, headers and comments: down to 7 characters for a small file, and
    # a few hundred blocks for a large one (a Python call per 7 characters of 10 MB takes minutes).
    chunk = {"whole": opener.CHUNK, "small": max(257, size // 40), "tiny": max(7, size // 400)}[blocks]
    monkeypatch.setattr(opener, "CHUNK", chunk)
    lines, scanned, blocks = both_ways(path, file_sites(path, panel))
    assert scanned == lines
    assert blocks == lines


@pytest.mark.parametrize("text", [twentythree_text(3_000, seed=4), ancestry_text(3_000, seed=5)],
                         ids=["23andme", "ancestry"])
def test_scan_and_loop_agree_on_shuffled_lines(tmp_path, monkeypatch, panel, text):
    lines = text.splitlines()
    head = [line for line in lines if line.startswith(("#", "rsid"))]
    body = lines[len(head):]
    random.Random(3).shuffle(body)
    path = tmp_path / "shuffled.txt"
    path.write_text("\n".join(head + body) + "\n")
    monkeypatch.setattr(opener, "CHUNK", 4096)
    answers = both_ways(path, file_sites(path, panel))
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert answers[0][1][0] == len(body)


def block(rows: list[str]) -> bytes:
    return "".join(row + "\n" for row in rows).encode()


ORDINARY_23 = ["rs1\t1\t1000\tAG",
               "i700\tX\t22\tA", "rs1815739\t11\t66328095\tTT", "rs9\tMT\t16000\t--", "rs8\t2\t5\tDI"]


def test_an_ordinary_block_is_scanned_and_finds_its_panel_rows(panel):
    scan = BlockScan.for_layout(JOINED, panel.sites)
    assert scan is not None
    rows, no_calls, candidates = scan.scan(block(ORDINARY_23)) or (0, 0, [])
    assert (rows, no_calls) == (5, 1)
    assert "rs1815739\t11\t66328095\tTT" in candidates
    internal = scan.scan(block(["i5\t11\t66328095\tCT", "rs2\t7\t22727026\tGG", "rs3\t7\t1\tGG"]))
    assert internal is not None and internal[2] == ["i5\t11\t66328095\tCT", "rs2\t7\t22727026\tGG"]
    pair = BlockScan.for_layout(PAIR, panel.sites)
    assert pair is not None
    rows = ["rs1\t1\t100\t0\t0", "rs2\t23\t100\tA\t0", "rs3\t1\t100\tA\tG", "rs4\t26\t7\t-\t00"]
    assert (pair.scan(block(rows)) or ())[:2] == (4, 2)


@pytest.mark.parametrize("unusual", [
    "# a comment", "", "rs5\t1\t100", "rs5\t1\t100\tAG\tx", "rs5\t1\t\t100\tAG", "rs5 1 100 AG", "rs5\t1\t100\tAG\r",
    "rs5,rs6\t1\t100\tAG", "rsid\tchromosome\tposition\tgenotype", "ID\t1\tX\tAG", "rs5\t1\t100\tNN", "rs5\t1\t100\tAé",
    "\trs5\t1\t100", "rs5\t1\t100\tAG\t",
    # an empty field where the tab count is right: first, middle and last
    "\t1\t100\tAG", "rs5\t\t100\tAG", "rs5\t1\t100\t",
])
def test_an_unusual_row_sends_its_block_to_the_loop(panel, unusual):
    scan = BlockScan.for_layout(JOINED, panel.sites)
    assert scan is not None and scan.scan(block(ORDINARY_23)) is not None
    assert scan.scan(block([*ORDINARY_23[:2], unusual, *ORDINARY_23[2:]])) is None


@pytest.mark.parametrize("where", ["first", "middle", "before a panel row", "last"])
def test_no_calls_are_counted_wherever_the_row_is(panel, where):
    joined = ["rs9\t1\t5\t--", "rs9\t1\t5\t-", "rs9\t1\t5\t0", "rs9\t1\t5\t00", "rs9\t1\t50\tA-", "rs9\t1\t5\tA0",
              "rs9\t1\t50\tAG", "rs9\t1\t5\t-0"]
    pair = ["rs9\t1\t5\t0\t0", "rs9\t1\t5\t-\t--", "rs9\t1\t5\t00\t-", "rs9\t1\t5\tA\t0", "rs9\t1\t5\t0\tA",
            "rs9\t1\t50\tA\tG", "rs9\t1\t50\t-0\t0"]
    for layout, rows, no_calls in ((JOINED, joined, 4), (PAIR, pair, 3)):
        scan = BlockScan.for_layout(layout, panel.sites)
        ordinary = ORDINARY_23 if layout is JOINED else ["rs1\t1\t1000\tA\tG", "rs1815739\t11\t6\tC\tT",
                                                         "rs2\t2\t7\tC\tC"]
        panel_row = 2 if layout is JOINED else 1
        for row in rows:
            at = {"first": 0, "middle": 1, "before a panel row": panel_row, "last": len(ordinary)}[where]
            found = scan.scan(block([*ordinary[:at], row, *ordinary[at:]]))
            tally = Tally()
            list(read_rows(block([*ordinary[:at], row, *ordinary[at:]]).decode().splitlines(), panel.sites, tally,
                           layout))
            assert found is not None and found[:2] == (tally.variants, tally.no_calls), row
        found = scan.scan(block(rows))
        assert found is not None and found[1] == no_calls


def test_layouts_the_scan_does_not_know_go_to_the_loop(panel):
    from itbs_geno.sites import EVERY_SITE
    from itbs_geno.sources._table import split_quoted_csv

    assert BlockScan.for_layout(Layout("genotype", 4, split=split_quoted_csv), panel.sites) is None
    assert BlockScan.for_layout(Layout("genotype", 4, id=1, chrom=0), panel.sites) is None
    assert BlockScan.for_layout(JOINED, EVERY_SITE) is None


# Rows built from pieces that sit on both sides of every test the scan makes.
PIECES = st.sampled_from(["rs1815739", "rs12722", "rs1", "i5", "rs", "ID", "rsid", "RS1", "rs1,rs12722", "#x", ""])
CHROMS = st.sampled_from(["11", "9", "chr11", "23", "X", "MT", "1", "", "1 "])
POSITIONS = st.sampled_from(["66328095", "137734416", "66560624", "5", "X", "12", "", "٣"])
CALLS = st.sampled_from(["AG", "TT", "--", "-", "0", "00", "A", "DI", "A-", "NN", "?", "",
                         "0\t0", "A\tG", "0\tA", "G\t-"])


@st.composite
def table(draw) -> str:
    rows = []
    for _ in range(draw(st.integers(0, 40))):
        fields = [draw(PIECES), draw(CHROMS), draw(POSITIONS), draw(CALLS)]
        if draw(st.integers(0, 9)) == 0:
            fields.insert(draw(st.integers(0, 4)), draw(st.sampled_from(["", "x", "rs12722"])))
        rows.append(draw(st.sampled_from(["\t", "\t", "\t", " ", "\t\t"])).join(fields))
    return "\n".join(rows) + draw(st.sampled_from(["\n", "", "\r\n"]))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=table(), cut=st.integers(1, 60), layout=st.sampled_from([JOINED, PAIR]))
def test_scan_and_loop_agree_on_generated_tables(panel, text, cut, layout):
    lines = text.replace("\r\n", "\n").split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    sites = panel.sites
    loop_tally, scan_tally = Tally(), Tally()
    by_loop = list(read_rows(lines, sites, loop_tally, layout))
    blocks, at = [], 0                               # whole lines, in blocks of about `cut` characters
    body = "".join(line + "\n" for line in lines)
    while at < len(body):
        end = body.find("\n", at + cut) + 1 or len(body)
        blocks.append(body[at:end].encode())
        at = end
    by_scan = list(read_rows([], sites, scan_tally, layout, blocks))
    assert by_scan == by_loop
    assert vars(scan_tally) == vars(loop_tally)


SMALL = {**fuzzing.MUTATORS["classic"], **fuzzing.MUTATORS["numbers"]}
SEEDS = {name: data for name, data in fuzzing.seeds().items() if not name.endswith(".vcf")}


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SEEDS)), seed=st.integers(0, 2**32), steps=st.integers(1, 4),
       chunk=st.sampled_from([opener.CHUNK, 61, 5]))
def test_scan_and_loop_agree_on_fuzzed_files(tmp_path_factory, monkeypatch, panel, name, seed, steps, chunk):
    rng, data = random.Random(seed), SEEDS[name]
    for _ in range(steps):
        data = SMALL[rng.choice(sorted(SMALL))](data, rng)
    path = tmp_path_factory.mktemp("scan") / name
    path.write_bytes(data)
    monkeypatch.setattr(opener, "CHUNK", chunk)
    try:
        sites = file_sites(path, panel)
    except InputError:
        return                                       # refused before any reader runs: nothing to compare
    lines, scanned, blocks = both_ways(path, sites)
    assert scanned == lines
    assert blocks == lines
