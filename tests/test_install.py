"""A plain (non-editable) install carries the panel and templates: build the wheel, install
it into an empty folder, and run the installed command from somewhere else."""

import os
import subprocess
import sys
import zipfile

from conftest import ROOT, SAMPLES


def test_installed_wheel_runs_from_another_directory(tmp_path):
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, ROOT], check=True)
    [wheel] = wheels.glob("itbs_geno-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    # pysam has no Windows build: required only where it installs, so `pip install` works on Windows.
    assert "Requires-Dist: pysam>=0.22; sys_platform != 'win32'" in metadata.replace('"', "'")
    assert "Requires-Dist: starlette>=0.40; extra == 'app'" in metadata.replace('"', "'")
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", target, wheel], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import itbs_geno; print(itbs_geno.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target))
    sample = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"
    result = subprocess.run([target / "bin" / "itbs-geno", "report", sample, "-o", "out.html"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    page = (elsewhere / "out.html").read_text(encoding="utf-8")
    assert "ACTN3" in page and "Content-Security-Policy" in page
