"""The report and the team page in a real headless Chromium (Playwright driving Debian's
chromium): nothing fails to load, nothing is fetched, no console error, the key parts are
visible at desktop and phone widths, sorting works from the keyboard, and --pdf prints."""

import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import sync_playwright

from conftest import ROOT, SAMPLES

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
if CHROMIUM is None:
    pytest.fail("the browser tests need Chromium: apt-get install chromium (.ci/run does this)", pytrace=False)

ARTIFACTS = ROOT / "tests" / "artifacts"        # screenshots, for people to look at (not committed)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-extensions"]
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    itbs = [sys.executable, "-m", "itbs_geno"]
    subprocess.run([*itbs, "report", str(SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"),
                    "--labs", str(SAMPLES / "sample_labs.csv"), "-o", str(folder / "report.html"),
                    "--pdf", str(folder / "report.pdf")], check=True, cwd=ROOT)
    subprocess.run([*itbs, "batch", str(SAMPLES / "synthetic_23andme.txt"), str(SAMPLES / "synthetic_ancestry.txt"),
                    "-o", str(folder / "team"), "--jobs", "1", "--coach-view"], check=True, cwd=ROOT)
    return folder


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def open_page(browser, path, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    seen = {"errors": [], "failed": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, seen


def assert_clean(seen):
    assert seen["errors"] == [] and seen["failed"] == []
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"]), seen["requests"]


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_report_in_a_browser(browser, pages, size):
    width, height = WIDTHS[size]
    page, seen = open_page(browser, pages / "report.html", width, height)
    assert_clean(seen)
    assert page.locator("#glance .card").count() == 5
    for selector in ("h1", "#glance", "#plan", "#biomarkers svg.scale", "#gene-ACTN3 .genotype-plot svg",
                     "#gene-IL6 figure.forest svg.forest-ci", "#references"):
        assert page.locator(selector).first.is_visible(), selector
    assert page.locator("html").get_attribute("lang") == "en"
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px of horizontal scrolling at {width}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{size}.png"), full_page=False)
    page.close()


def test_pdf_has_pages_and_text(pages):
    from pypdf import PdfReader

    reader = PdfReader(str(pages / "report.pdf"))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages[:3])
    assert len(reader.pages) >= 10
    assert "ITBS genetic report: genome_Synthetic_Runner_v5_Full_20261125" in text      # the running header
    assert "At a glance" in text and f"1/{len(reader.pages)}" in text                     # page numbers


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
    assert "![" in readme and "docs/report-screenshot.png" in readme
    assert (ROOT / "docs" / "report-screenshot.png").stat().st_size > 10_000
