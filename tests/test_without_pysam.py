"""pysam has no Windows build, so it is a dependency only where it installs. Without it the
consumer-file path must work and never even try to import it, and a VCF must say in one line
what to install. Each check runs in a fresh interpreter whose import system refuses pysam (a
sitecustomize meta-path blocker) and records every attempt to import it."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, SAMPLES

BLOCKER = textwrap.dedent("""
    import os, sys

    class Hidden:
        '''Refuse to import the modules named in ITBS_HIDE, as if they were not installed, and note each try.'''
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in os.environ["ITBS_HIDE"].split(","):
                with open(os.environ["ITBS_TRIED"], "a") as log:
                    log.write(name + "\\n")
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Hidden())
""")


@pytest.fixture
def hidden(tmp_path):
    """Run a command with pysam hidden; returns (completed process, the modules it tried to import)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    tried = tmp_path / "tried.txt"

    def run(*args, hide="pysam"):
        tried.write_text("")
        env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "ITBS_HIDE": hide, "ITBS_TRIED": str(tried)}
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=300, check=False)
        return done, tried.read_text().split()
    return run


def test_the_blocker_really_hides_pysam(hidden):
    done, tried = hidden("-c", "import pysam")
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr and tried == ["pysam"]


def test_consumer_files_work_and_never_try_to_import_pysam(hidden, tmp_path):
    zipped, ancestry = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip", SAMPLES / "synthetic_ancestry.txt"
    for args in (["report", zipped, "--labs", SAMPLES / "sample_labs.csv", "--profile", SAMPLES / "sample_profile.toml",
                  "--outside-calls", SAMPLES / "sample_outside_calls.tsv", "-o", "r.html", "--json", "r.json"],
                 ["report", ancestry, "-o", "a.html"],
                 ["call", "--json", SAMPLES / "synthetic_23andme.txt.gz"], ["inspect", zipped],
                 ["batch", SAMPLES / "squad" / "genomes", "-o", "team", "--roster", SAMPLES / "squad" / "roster.csv",
                  "--jobs", "2", "-q"]):
        done, tried = hidden("-m", "itbs_geno", *map(str, args))
        assert done.returncode == 0, (args, done.stderr)
        assert tried == [], args
    assert "ACTN3" in (tmp_path / "r.html").read_text() and (tmp_path / "team" / "team.html").exists()


def test_the_consumer_tests_pass_without_pysam(hidden):
    files = [str(ROOT / "tests" / name) for name in ("test_samples.py", "test_sources.py", "test_several_files.py")]
    done, tried = hidden("-m", "pytest", *files, "-q", "-x", "-p", "no:cacheprovider", "--rootdir", str(ROOT))
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and tried == []


@pytest.mark.parametrize("name", ["jane.vcf", "jane.vcf.gz"])
def test_a_vcf_without_pysam_is_one_line_saying_what_to_install(hidden, tmp_path, name):
    text = ("##fileformat=VCFv4.2\n##contig=<ID=11,length=135006516>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tJane\n"
            "11\t66328095\trs1815739\tC\tT\t50\tPASS\t.\tGT\t0/1\n")
    if name.endswith(".gz"):
        import gzip
        (tmp_path / name).write_bytes(gzip.compress(text.encode()))
    else:
        (tmp_path / name).write_text(text)
    done, tried = hidden("-m", "itbs_geno", "report", name, "-o", "out.html")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: {name}: reading a VCF or BCF needs pysam")
    assert "pip install pysam" in done.stderr
    assert tried and not (tmp_path / "out.html").exists()
