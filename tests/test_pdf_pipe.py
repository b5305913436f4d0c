"""Many PDFs from one browser (pdf.print_pdfs, used by `batch --pdf`): the same pages as print_pdf
prints one at a time, and under strace the same silence on the network."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from itbs_geno import pdf
from itbs_geno.cli import cli

from conftest import ROOT, SAMPLES
from test_hostile_cli import DNS, INET_CONNECTED, INET_SENT, assert_flags_keep_it_offline

PAGE = re.compile(rb"/Type\s*/Page\b")


def reports(tmp_path, count: int) -> list:
    html = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(SAMPLES / "synthetic_23andme.txt"), "-o", str(html)])
    assert result.exit_code == 0, result.output
    pages = []
    for i in range(count):
        copy = tmp_path / f"r{i}.html"
        shutil.copy(html, copy)
        pages.append((copy, tmp_path / f"r{i}.pdf"))
    return pages


def test_one_browser_prints_what_one_browser_per_page_prints(tmp_path):
    pages = reports(tmp_path, 3)
    pdf.print_pdfs(pages)
    pdf.print_pdf(pages[0][0], tmp_path / "alone.pdf")
    alone = (tmp_path / "alone.pdf").read_bytes()
    for _, printed in pages:
        assert pdf.is_complete_pdf(printed)
        assert printed.stat().st_mode & 0o777 == 0o600
        assert len(PAGE.findall(printed.read_bytes())) == len(PAGE.findall(alone)) > 3
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_page_that_cannot_be_written_is_one_clear_error(tmp_path):
    pages = reports(tmp_path, 2)
    pages[1] = (pages[1][0], tmp_path / "missing" / "r1.pdf")
    with pytest.raises(pdf.InputError, match=r"r1\.pdf: could not be written \(No such file or directory\)"):
        pdf.print_pdfs(pages)
    assert pdf.is_complete_pdf(pages[0][1])


def test_batch_pdf_printing_sends_nothing_to_the_network(tmp_path):
    assert shutil.which("strace") and pdf.find_browser(), "the README's test command installs strace and chromium"
    pages = reports(tmp_path, 2)
    script = ("import sys; from pathlib import Path; from itbs_geno import pdf\n"
              "pdf.print_pdfs([(Path(a), Path(a).with_suffix('.pdf')) for a in sys.argv[1:]])\n")
    trace = tmp_path / "trace.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace), sys.executable, "-c", script,
                    *(str(html) for html, _ in pages)],
                   check=True, capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert all(pdf.is_complete_pdf(out) for _, out in pages)
    text = trace.read_text()
    assert len({line.split()[0] for line in text.splitlines()}) > 3   # the trace followed the browser's processes
    if pdf.no_network_prefix():
        assert not DNS.search(text) and not INET_SENT.search(text) and not INET_CONNECTED.search(text)
    else:
        assert_flags_keep_it_offline(text)


def test_batch_prints_the_team_page_and_the_coach_view_with_one_browser(tmp_path, monkeypatch):
    starts = []
    real = pdf._DevTools.__enter__
    monkeypatch.setattr(pdf._DevTools, "__enter__", lambda self: starts.append(1) or real(self))
    genomes = [str(SAMPLES / "synthetic_23andme.txt"), str(SAMPLES / "synthetic_ancestry.txt")]
    result = CliRunner().invoke(cli, ["batch", *genomes, "-o", str(tmp_path / "team"), "--pdf", "--coach-view", "-q",
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert starts == [1]
    for name in ("team.pdf", "team_coach.pdf"):
        assert pdf.is_complete_pdf(tmp_path / "team" / name)
    assert {"team.pdf", "team_coach.pdf"} <= set(json.loads((tmp_path / "team" / "team.json").read_text())["outputs"])
