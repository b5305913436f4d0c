"""The JSON contract and the rendered HTML: content, escaping, nothing external."""

import dataclasses
import datetime as dt
import json
import re

import pytest

from itbs_geno.pipeline import analyse
from itbs_geno.render import as_json, html

from conftest import ROOT, SAMPLES, over_panel

TODAY = dt.date(2026, 11, 25)
GOLDEN = ROOT / "tests" / "golden"
# The genotypes make_samples.py writes (None: a no-call in the file).
SAMPLE_EXPECTED = {
    "synthetic_23andme.txt": {"rs12722": "TT", "rs1800012": "CC", "rs1800795": "CG", "rs3025058": None,
                              "rs679620": "CT", "rs1815739": "TT"},
    "synthetic_ancestry.txt": {"rs12722": "CC", "rs1800012": "AC", "rs1800795": "GG", "rs3025058": None,
                               "rs679620": None, "rs1815739": "CT"},
}


@pytest.mark.parametrize("name", ["synthetic_23andme.txt", "synthetic_23andme.txt.gz",
                                  "genome_Synthetic_Runner_v5_Full_20261125.zip",
                                  "synthetic_ancestry.txt", "synthetic_ancestry.zip"])
def test_samples_give_their_known_genotypes(panel, name, knowledge):
    expected = SAMPLE_EXPECTED["synthetic_ancestry.txt" if "ancestry" in name else "synthetic_23andme.txt"]
    [result] = analyse(SAMPLES / name, knowledge)
    data = as_json(result, panel)
    assert {m["rsid"]: m["genotype"] for m in data["markers"]} == over_panel(panel, expected)
    assert data["source"]["build"] == "GRCh37"


def test_json_contract(panel, knowledge):
    [result] = analyse(SAMPLES / "synthetic_ancestry.txt", knowledge)
    data = as_json(result, panel)
    assert set(data) >= {"sample", "source", "markers"}
    assert set(data["source"]) >= {"path", "format", "build"}
    assert data["source"]["format"] == "ancestry"
    assert [m["rsid"] for m in data["markers"]] == [m.rsid for m in panel.markers]
    for marker in data["markers"]:
        assert set(marker) >= {"gene", "rsid", "genotype", "status", "via", "result"}
        assert marker["status"] in ("called", "no-call", "not-tested")
        if marker["status"] == "called":
            assert marker["genotype"] == "".join(sorted(marker["genotype"])) and marker["result"]
        else:
            assert marker["genotype"] is None and marker["result"] is None
    by_rsid = {m["rsid"]: m for m in data["markers"]}
    assert by_rsid["rs679620"]["status"] == "no-call" and by_rsid["rs679620"]["via"] == "rs679620"
    assert by_rsid["rs3025058"]["status"] == "not-tested" and by_rsid["rs3025058"]["via"] is None
    assert by_rsid["rs12722"]["result"] == "lower" and by_rsid["rs1800012"]["literature_genotype"] == "GT (Ss)"
    json.dumps(data)


def test_golden_json_of_the_23andme_sample(panel, update_golden, knowledge):
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge)
    data = as_json(result, panel, today=TODAY)
    data["source"]["path"] = "sample_genomes/synthetic_23andme.txt"   # independent of where tests run
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / "synthetic_23andme.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def report(knowledge, name="synthetic_23andme.txt", **changes):
    [result] = analyse(SAMPLES / name, knowledge)
    if changes:
        result = dataclasses.replace(result, **changes)
    return html(result, knowledge, TODAY)


def test_report_content(panel, knowledge):
    page = report(knowledge)
    for gene in ("COL5A1", "COL1A1", "IL6", "MMP3", "ACTN3"):
        assert f'id="gene-{gene}"' in page
    assert ('Your <a href="#g-genotype">genotype</a>: <strong>TT</strong> on the <a href="#g-strand">plus strand</a>, '
            'written <strong>XX</strong> in the papers') in page
    assert "in the studies: 3 of your 6 markers, a count and not a score" in page
    assert "rs679620 is in the file, but its linkage" in page
    assert "GRCh37 — from the data" in page
    assert "<dt>Made</dt><dd>2026-11-25</dd>" in page
    assert "Input SHA-256" in page and re.search(r"[0-9a-f]{64}", page)
    assert page.count('<li id="ref-') >= 10


def test_report_is_self_contained(panel, knowledge):
    page = report(knowledge)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|srcset|action|formaction|data|poster)\s*=""", page, re.IGNORECASE)
    assert not re.search(r"""<link\b|@import|url\((?!#)""", page, re.IGNORECASE)      # url(#id): an in-page SVG pattern
    # The only external URLs are reference links (plain <a href>), which load nothing.
    without_links = re.sub(r"<a\b[^>]*>.*?</a>", "", page, flags=re.DOTALL)
    assert "http:" not in without_links and "https:" not in without_links


def test_input_text_is_escaped(panel, knowledge):
    [result] = analyse(SAMPLES / "synthetic_23andme.txt", knowledge)
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    source = dataclasses.replace(result.source, name=hostile)
    page = report(knowledge, sample=hostile, source=source)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    footer = page.split('@bottom-left { content: "', 1)[1].split('"; }', 1)[0]   # the print footer's CSS string
    assert footer.startswith("ITBS genetics report for ") and not set(footer) & set("<>\"'")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    css = (ROOT / "templates" / "report.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    backgrounds = ["paper", "tint", "higher-bg", "between-bg", "typical-bg", "lower-bg", "uncertain-bg"]
    for text in ("ink", "muted"):
        for background in backgrounds:
            assert _contrast(colours[text], colours[background]) >= 4.5, (text, background)
    for category in ("higher", "lower", "typical", "uncertain"):    # category words on their own tints
        assert _contrast(colours[category], colours[f"{category}-bg"]) >= 4.5, category


def test_every_category_has_its_colours_in_the_stylesheet(panel):
    """A category added to panel.toml needs its border and tint in report.css, or it would show as
    uncoloured text with no test failing."""
    css = (ROOT / "templates" / "report.css").read_text(encoding="utf-8")
    for category in panel.categories:
        assert f".cat-{category} {{ border-left-color:" in css and f".card.cat-{category} {{ background:" in css


def test_big_files_get_a_partial_fingerprint_not_a_full_read(tmp_path, monkeypatch):
    from itbs_geno import pipeline

    path = tmp_path / "big.bin"
    path.write_bytes(b"a" * 100 + b"b" * 100)
    whole = pipeline._sha256(path)
    assert len(whole) == 64 and not whole.startswith("partial:")
    monkeypatch.setattr(pipeline, "WHOLE_FILE_HASH_LIMIT", 50)
    monkeypatch.setattr(pipeline, "_EDGE", 10)
    partial = pipeline._sha256(path)
    assert partial.startswith("partial:") and partial != whole
    path.write_bytes(b"a" * 100 + b"c" * 100)                      # the tail changed: so does the print
    assert pipeline._sha256(path) != partial
