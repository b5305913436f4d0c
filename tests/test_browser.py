"""The report and the team page in a real headless Chromium (Playwright driving Debian's
chromium): nothing fails to load, nothing is fetched, no console error, the key parts are
visible at desktop and phone widths, sorting works from the keyboard, and --pdf prints."""

import datetime as dt
import json
import re
import subprocess
import sys

import pytest
from browsing import assert_clean, open_page

from conftest import ROOT, SAMPLES
from vcf_factory import PERSON, Vcf

ARTIFACTS = ROOT / "tests" / "artifacts"        # screenshots, for people to look at (not committed)
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
ACTN3_GRCH38 = 66560624


SAMPLE = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"
# Screens (document height / viewport height, every <details> closed) the issue allows.
MAX_SCREENS = {("desktop", False): 6, ("desktop", True): 9, ("phone", False): 14, ("phone", True): 20}
MAX_PDF_PAGES = {False: 12, True: 18}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    itbs = [sys.executable, "-m", "itbs_geno"]
    subprocess.run([*itbs, "report", str(SAMPLE), "--labs", str(SAMPLES / "sample_labs.csv"),
                    "-o", str(folder / "report.html"), "--pdf", str(folder / "report.pdf")], check=True, cwd=ROOT)
    subprocess.run([*itbs, "report", str(SAMPLE), "-o", str(folder / "nolabs.html"),
                    "--pdf", str(folder / "nolabs.pdf")], check=True, cwd=ROOT)
    return folder


@pytest.fixture(scope="module")
def vcf_pages(tmp_path_factory):
    """A VCF whose ACTN3 call is doubted by its caller (FILTER LowQual, GQ 12, DP 6) and whose
    rs679620 is a no-call, with the report and JSON the tool writes for it."""
    folder = tmp_path_factory.mktemp("vcf")
    records = [(*r[:4], [r[4]]) for r in PERSON["GRCh38"] if r[1] != ACTN3_GRCH38]
    records.append(("11", ACTN3_GRCH38, "C", "T", ["1/1:12:6"], {"filter": "LowQual", "format": "GT:GQ:DP"}))
    vcf = Vcf(samples=["Jane_Doe"], records=records).write(folder, "jane")
    subprocess.run([sys.executable, "-m", "itbs_geno", "report", str(vcf), "-o", str(folder / "jane.html"),
                    "--json", str(folder / "jane.json")], check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-m", "itbs_geno", "batch", str(vcf), "-o", str(folder / "team"), "--jobs", "1"],
                   check=True, cwd=ROOT)
    return folder


REPEATS = """() => {
  const counts = new Map();
  for (const el of document.querySelectorAll('p, li, dd, dt, td, th, figcaption, summary, h1, h2, h3, h4, h5')) {
    const text = el.textContent.replace(/\\s+/g, ' ').trim();
    if (text.length >= 60) counts.set(text, (counts.get(text) || 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([t]) => t);
}"""


@pytest.mark.parametrize("labs", [False, True], ids=["no-labs", "labs"])
@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_report_first_screen_and_layers(browser, pages, size, labs):
    width, height = WIDTHS[size]
    page, seen = open_page(browser, pages / ("report.html" if labs else "nolabs.html"), width, height)
    assert_clean(seen)
    # 1. The first screen, before any scrolling: the name in the title, a row per gene, "This week".
    assert page.locator("h1").inner_text() == "ITBS genetics report for Synthetic Runner"
    rows = page.locator("table.glance tbody tr")
    assert rows.count() == 5
    on_first_screen = ["h1", "table.glance", "#this-week h2", "#this-week li"]
    for selector in on_first_screen:
        for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box, size)
    assert 1 <= page.locator("#this-week li").count() <= 3
    for i in range(5):                                   # each row leads with the gene and a plain role
        row = page.locator("table.glance tbody tr").nth(i)
        assert re.fullmatch(r"[A-Z0-9]+", row.locator("th a").inner_text())
        assert row.locator(".role").inner_text()[0].islower()
        assert re.search(r"[▲●◆▼?–] \w", row.locator("td.res").inner_text())
    glance = page.locator("#glance").inner_text()
    assert not re.search(r"RFLP|IVS1|UTR|Glu|promoter|codon", glance)
    # 2. Layers: every fold closed, short pages, nothing said twice.
    assert page.locator("details[open]").count() == 0
    screens = page.evaluate("document.documentElement.scrollHeight") / height
    assert screens <= MAX_SCREENS[(size, labs)], f"{screens:.1f} screens at {width}x{height}"
    assert page.evaluate(REPEATS) == []
    # 3. The plan in time order; no command-line flag in what the runner reads.
    bands = page.locator("#plan .band > h3").all_text_contents()
    order = ["This week", "Next 4 weeks", "Weeks 5–12", "At your next blood test"]
    assert bands == sorted(bands, key=order.index) and bands[0] == "This week"
    runner_text = page.evaluate("[...document.querySelectorAll('main > section')].map(s => s.textContent).join(' ')"
                                ).split("For the person running the tool")[0]
    assert not re.search(r"(^|\s)--[a-z]", runner_text) and "sound practice" not in runner_text
    # 5. Every link to the glossary, a plan step or a gene lands on something.
    for href in set(page.eval_on_selector_all("a[href^='#']", "els => els.map(e => e.getAttribute('href'))")):
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href
    # a link into a closed gene section opens it (no script: the browser does it)
    page.locator("table.glance a[href='#h-COL5A1']").click()
    page.wait_for_function("document.querySelector('#gene-COL5A1').open")
    # 7. Charts: no percent label drawn over the hatching; lab gauges carry the band's word.
    assert page.evaluate("""() => [...document.querySelectorAll('.genotype-plot svg')].every(svg => {
        const hatched = [...svg.querySelectorAll('rect.yours')].filter(r => r.getAttribute('y') !== null);
        return [...svg.querySelectorAll('text.seg-label')].every(t => hatched.every(r => {
          const x = +r.getAttribute('x'), w = +r.getAttribute('width'), y = +r.getAttribute('y');
          const tx = +t.getAttribute('x'), ty = +t.getAttribute('y');
          return !(tx >= x && tx <= x + w && ty >= y && ty <= y + 16);
        }));
      })""")
    gauges = page.locator("svg.scale")
    assert gauges.count() == (8 if labs else 0)
    for i in range(gauges.count()):
        assert re.search(r": [A-Za-z]", gauges.nth(i).locator("text.you").text_content())
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px of horizontal scrolling at {width}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto((pages / ("report.html" if labs else "nolabs.html")).as_uri())
    page.screenshot(path=str(ARTIFACTS / f"report-{size}{'-labs' if labs else ''}.png"), full_page=False)
    page.close()


def test_print_opens_every_fold_and_prints_the_key(browser, pages):
    page, _ = open_page(browser, pages / "report.html", *WIDTHS["desktop"])
    page.emulate_media(media="print")
    for selector in ("#gene-IL6 figure.forest svg.forest-ci", "#gene-ACTN3 .genotype-plot svg", "#g-evidence",
                     "#lab-ferritin svg.scale", "#ref-1", "#quality table.sites"):
        assert page.locator(selector).first.is_visible(), selector
    page.close()


def test_vcf_report_flags_low_quality_and_names_the_no_call(browser, vcf_pages):
    data = json.loads((vcf_pages / "jane.json").read_text())
    actn3 = next(m for m in data["markers"] if m["gene"] == "ACTN3")
    assert actn3["genotype"] == "TT" and actn3["result"] == "higher" and actn3["low_quality"] is True
    assert not any(step["gene"] == "ACTN3" for step in data["plan"])      # a doubted call sets no step
    for width, height in WIDTHS.values():
        page, seen = open_page(browser, vcf_pages / "jane.html", width, height)
        assert_clean(seen)
        assert page.locator("h1").inner_text() == "ITBS genetics report for Jane Doe"
        row = page.locator("table.glance tr", has=page.locator("a[href='#h-ACTN3']"))
        assert row.locator("td.gt").inner_text() == "TT" and "low quality" in row.inner_text()
        assert row.locator(".flag").bounding_box()["y"] < height
        assert "Not counted: ACTN3" in page.locator("#glance").inner_text()
        assert "in the studies: 1 of your 6 markers" in page.locator("#glance").inner_text()     # IL6 only
        mmp3 = page.locator("table.glance tr", has=page.locator("a[href='#h-MMP3']")).inner_text()
        assert "rs679620: no call" in mmp3 and "Not tested" not in mmp3
        sites = page.locator("#quality table.sites").text_content()
        assert "No call" in sites and "low quality" in sites
        page.close()
    team = (vcf_pages / "team" / "team.html").read_text()
    assert "low quality" in team


@pytest.mark.parametrize("labs", [False, True], ids=["no-labs", "labs"])
def test_pdf_pages_footer_fullness_and_no_path(pages, labs):
    from pypdf import PdfReader

    reader = PdfReader(str(pages / ("report.pdf" if labs else "nolabs.pdf")))
    total = len(reader.pages)
    assert total <= MAX_PDF_PAGES[labs]
    texts = [page.extract_text() for page in reader.pages]
    today = dt.date.today().isoformat()
    for n, text in enumerate(texts, 1):
        assert f"page {n} of {total} · {today}" in text and "ITBS genetics report for Synthetic Runner" in text
    whole = " ".join(texts)
    assert "file:" not in whole and str(pages) not in whole and not re.search(r"/(home|tmp|Users|root)/", whole)
    assert "Evidence levels" in whole and "Result symbols" in whole         # the key is printed
    assert "Hardy–Weinberg" in whole and "How to read this report" in whole
    fullness = page_fullness(reader)
    assert all(f >= 0.4 for f in fullness[:-1]), fullness                   # only the last page may be short


def page_fullness(reader) -> list[float]:
    """How far down each page the text reaches (footer left out), as a share of the page height."""
    found = []
    for page in reader.pages:
        height, lows = float(page.mediabox.height), []

        def visit(text, cm, tm, font, size, lows=lows):
            if text.strip() and not text.strip().startswith(("page ", "ITBS genetics report for")):
                lows.append(tm[5] * cm[3] + cm[5])
        page.extract_text(visitor_text=visit)
        body = [y for y in lows if y > 60]                 # above the 16 mm bottom margin (the footer)
        found.append(round((height - min(body)) / height, 2) if body else 0.0)
    return found


def test_pdf_without_a_browser_says_how_to_get_one(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from itbs_geno import pdf
    from itbs_geno.cli import cli

    monkeypatch.setattr(pdf, "find_browser", lambda: None)
    result = CliRunner().invoke(cli, ["report", str(SAMPLES / "synthetic_23andme.txt"), "-o",
                                      str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "sudo apt install chromium" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_readme_shows_a_screenshot_of_the_sample_report():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for size in ("desktop", "phone"):              # the first screen, for the README (issue 14)
        assert f"docs/report-first-screen-{size}.png" in readme
        assert (ROOT / "docs" / f"report-first-screen-{size}.png").stat().st_size > 10_000
