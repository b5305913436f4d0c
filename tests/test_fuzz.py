"""Fuzzing every reader and the CLI with the mutators of tests/fuzzing.py.

Two in-process hypothesis properties (mutated valid files give calls whose genotypes are written
in the file, or a clean InputError), and the no-traceback rule checked through the CLI in forked
children for every family of hostile inputs: zip headers that lie, huge fields and lines in VCF
records, Unicode digits and huge numbers, extreme lab sheets, rows duplicated at scale, terminal
escapes. Each case exits 0 or 2 (batch 0, 2 or 3) with at most one line on stderr, within
10 s + size/10 MB/s and 500 MB.

The CI run is bounded and seeded (case ids 0..N per family; ITBS_FUZZ_SCALE multiplies N).
The long run: `python -m pytest -m fuzz_long` (ITBS_FUZZ_LONG_CASES, default 20000) or
`python benchmarks/fuzz_long.py --cases 20000`. ITBS_FUZZ_EXAMPLES sets the hypothesis examples."""

import gzip
import os
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itbs_geno.cli import cli
from itbs_geno.errors import InputError
from itbs_geno.model import Status
from itbs_geno.pipeline import read_calls

import fuzzing

EXAMPLES = int(os.environ.get("ITBS_FUZZ_EXAMPLES", "1200"))
SCALE = float(os.environ.get("ITBS_FUZZ_SCALE", "1"))
BASES = {name: data for name, data in fuzzing.seeds().items() if name != "synthetic_23andme.txt"}
NAMES = sorted(BASES)
# The in-process properties use the mutators that keep a file small.
SMALL = {**fuzzing.MUTATORS["classic"], **fuzzing.MUTATORS["numbers"], **fuzzing.MUTATORS["escapes"]}


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    data = BASES[name]
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 4))):
        data = SMALL[draw(st.sampled_from(sorted(SMALL)))](data, rng)
    if draw(st.booleans()) and draw(st.booleans()):
        data = gzip.compress(data, mtime=0)
    return name, data


def written_in_file(data: bytes, names: set[str], alleles: tuple[str, ...], repeat: bool) -> bool:
    """Some line of the (decompressed) file names the site (by ID or position) and carries those alleles."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = data.decode("utf-16", errors="replace") if utf16 else data.decode("utf-8", errors="replace")
    for line in text.replace("\r", "\n").replace("\"", "").split("\n"):
        upper = line.upper()
        if repeat and ("\tGA" in line or "GA\t" in line or "\tG\t" in line):
            return True                     # the 5A/6A alleles are written as an anchored insertion
        if any(n in line for n in names) and all(a in upper for a in alleles):
            return True
    return False


@settings(max_examples=EXAMPLES, deadline=3000, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(case=mutated())
def test_readers_never_invent_a_genotype(tmp_path_factory, panel, case):
    name, data = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    try:
        results = read_calls(path, panel)
    except InputError as err:
        message = str(err)
        assert message and "\n" not in message     # any input may be refused, in one line
        return
    positions = {m.id: {f"\t{p}\t" for p in m.positions.values()} | {f",{p}," for p in m.positions.values()}
                 for m in panel.markers}
    for result in results:
        for finding in result.findings:
            call = finding.call
            if call.status is Status.CALLED:
                alleles = tuple(a.rstrip("A") if a[:-1].isdigit() else a for a in call.genotype.alleles)
                names = {call.via} | positions[call.marker_id]
                assert written_in_file(data, names, alleles, call.marker_id == "MMP3_5A6A"), (name, call)


@settings(max_examples=max(EXAMPLES // 5, 50), deadline=5000, derandomize=True, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=mutated())
def test_cli_exits_0_or_2_with_one_line(tmp_path_factory, case):
    name, data = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["call", "--json", str(path)])
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")


# Cases per family in CI: about two minutes on two cores once every case passes (a case that
# hangs costs its 10 s bound). Case ids are fixed, so a failure is re-made from its id:
# python benchmarks/fuzz_long.py --case ID --family FAMILY
CI_CASES = {"classic": 80, "numbers": 60, "escapes": 40, "lines": 20, "vcf": 60, "scale": 6, "labs": 120,
            "zip": 120, "index": 30}


@pytest.mark.parametrize("family", fuzzing.FAMILIES)
def test_no_hostile_input_breaks_the_promise(tmp_path, family):
    """call, report, inspect and batch on each case: exit 0 or 2 (batch 0, 2 or 3), one line on stderr,
    no traceback, no terminal control characters, valid JSON, within the time and memory bounds."""
    cases = (fuzzing.make_case(i, family) for i in range(int(CI_CASES[family] * SCALE)))
    outcomes = fuzzing.run(cases, tmp_path, jobs=2)
    assert len(outcomes) == int(CI_CASES[family] * SCALE)
    failing = sum(bool(o.problems) for o in outcomes)
    assert failing == 0, f"failing inputs kept in {tmp_path}\n" + fuzzing.summary(outcomes)


@pytest.mark.fuzz_long
def test_long_fuzz_run(tmp_path):
    """The long run on demand: python -m pytest -m fuzz_long -s (prints the counts)."""
    count = int(os.environ.get("ITBS_FUZZ_LONG_CASES", "20000"))
    outcomes = fuzzing.run((fuzzing.make_case(i) for i in range(count)), tmp_path / "work", jobs=2)
    report = fuzzing.summary(outcomes, save=tmp_path / "failures")
    print(report)
    failing = sum(bool(o.problems) for o in outcomes)
    assert failing == 0, f"failing inputs saved in {tmp_path / 'failures'}\n" + report


def test_the_mutators_make_what_the_issue_describes():
    """The fuzzer's own check: its hostile inputs are the ones it claims to make."""
    import io
    import zipfile
    rng = random.Random(1)
    row = b"# rsid\tchromosome\tposition\tgenotype\nrs1815739\t11\t66328095\tTT\n"
    assert any(ch in fuzzing.unicode_digit(row, rng).decode() for ch in fuzzing.UNICODE_DIGITS)
    assert b"9" * 4301 in fuzzing.huge_number(row, random.Random(3)) or b"0" * 4301 in fuzzing.huge_number(row, rng)
    bomb = fuzzing.gzip_bytes(b"#\n" + fuzzing.repeat(b"\n", 64 << 20) + b"rs1\t1\t1\tAA\n")
    assert len(bomb) < 200_000 and len(gzip.decompress(bomb)) == (64 << 20) + 13
    member = fuzzing.Member(b"g.txt", *fuzzing.deflate_parts(row), method=9)
    with pytest.raises(NotImplementedError):
        zipfile.ZipFile(io.BytesIO(fuzzing.zip_bytes([member]))).read("g.txt")
    vcf = fuzzing.many_samples(fuzzing.seeds()["person.vcf"], random.Random(0))
    assert max(len(line) for line in vcf.split(b"\n")) > 64 << 10


def test_the_long_run_script_reports_counts(tmp_path):
    result = subprocess.run([sys.executable, str(fuzzing.ROOT / "benchmarks" / "fuzz_long.py"), "--cases", "4",
                             "--family", "classic", "--save", str(tmp_path)], capture_output=True, text=True,
                            cwd=fuzzing.ROOT, timeout=300, check=False)
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.startswith("4 cases; ") and "family: classic 4" in result.stdout
    assert "distinct failure cause(s)" in result.stdout
