"""The benchmark scripts still run (tiny sizes; the real figures are in the README)."""

import re
import subprocess
import sys

from conftest import ROOT


def test_batch_scaling_smoke_run(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_scaling.py"), "--files", "4",
                             "--lines", "3000", "--sequential", "2", "--repeats", "1", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "| 4 | 3,000 |" in result.stdout and "efficiency" in result.stdout


def test_generator_writes_every_variant(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path),
                             "--lines", "2500"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["23andme_v5.txt", "23andme_v5.txt.gz", "23andme_v5.zip",
                     "ancestry.txt", "ancestry.txt.gz", "ancestry.zip"]
    calls = subprocess.run([sys.executable, "-m", "itbs_geno", "call", str(tmp_path / "23andme_v5.zip")],
                           capture_output=True, text=True, cwd=ROOT, check=False)
    assert re.search(r"rs1815739\s+called\s+TT", calls.stdout)


def test_suite_quick_run(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "suite.py"), "--quick", "--repeats", "1",
                             "--workdir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| 23andme_v5 .txt |" in result.stdout and "| WGS VCF, plain gzip |" in result.stdout
    assert "give the same calls: yes" in result.stdout
    assert "| 1000G-shaped GRCh38, 320 samples, bgzip + .tbi |" in result.stdout
    # Only the cohort rows, with another checkout (here this one) timed alongside: the inputs are reused.
    cohorts = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "suite.py"), "--quick", "--repeats", "1",
                              "--workdir", str(tmp_path), "--only", "cohort", "--before", str(ROOT)],
                             capture_output=True, text=True, cwd=ROOT, check=False)
    assert cohorts.returncode == 0, cohorts.stderr[-2000:]
    lines = [line for line in cohorts.stdout.splitlines() if line.startswith("| ")]
    assert lines[0].endswith(f"| before ({ROOT.resolve()}) | before RSS |") and len(lines) == 5
    assert all(re.search(r"\| [\d.]+ s \| \d+ MB \|$", line) for line in lines[1:])
    assert all("1000G-shaped" in line for line in lines[1:])


def test_team_scale_smoke_run():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "team_scale.py"), "--sizes", "3,6",
                             "--repeats", "1", "--no-browser"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"^\| 6 \| [\d.]+ s \| [\d.]+ \| [\d.]+ MB \|", result.stdout, re.MULTILINE), result.stdout
