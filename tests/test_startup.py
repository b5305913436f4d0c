"""What `call` loads before it reads the first byte (issue 17, start-up): a plain call of one
consumer file, with the checked knowledge already in the user's cache, imports neither the
panel loaders and their TOML parser, nor lab sheets, profiles, merging, templates, tables or
the VCF machinery.
The time this saves is a benchmark figure (benchmarks/suite.py); this checks the cause."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENOME = ROOT / "sample_genomes" / "synthetic_23andme.txt"
NOT_NEEDED = ("itbs_geno.panel", "itbs_geno.lab_panel", "itbs_geno.toml_table", "tomllib", "itbs_geno.labs",
              "itbs_geno.merge", "itbs_geno.render", "jinja2", "pandas", "openpyxl", "pysam",
              "itbs_geno.sources.vcf_read", "itbs_geno.sources.vcf_index", "itbs_geno.sources.vcf_scan")
_SHOW = ("import sys; from itbs_geno.cli import cli\n"
         "try:\n    cli.main(sys.argv[1:], standalone_mode=False)\nfinally:\n"
         "    print(' '.join(sorted(sys.modules)), file=sys.stderr)\n")


def loaded_by_call(cache: Path, *args: str) -> set[str]:
    """The modules in sys.modules when `call --json ARGS` ends, with the knowledge cache in `cache`."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", _SHOW, "call", "--json", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert '"markers"' in done.stdout
    return set(done.stderr.split())


def test_a_plain_call_loads_only_what_it_uses(tmp_path):
    first = loaded_by_call(tmp_path, str(GENOME))           # no cache yet: the panels are read and checked
    assert {"itbs_geno.panel", "tomllib"} <= first
    again = loaded_by_call(tmp_path, str(GENOME))
    assert again.isdisjoint(NOT_NEEDED), sorted(again & set(NOT_NEEDED))

