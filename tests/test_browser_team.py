"""The team page in a real headless Chromium, at 1280 and 390 px, and printed to PDF (A4
landscape) for 8 and 60 athletes: what needs attention is on the first screen, nothing is
fetched, no page-wide horizontal scroll, sorting works from the keyboard, and in print every
column fits, the header row repeats and page 1 holds data."""

import dataclasses
import datetime as dt
import sys

import pytest
from browsing import assert_clean, open_page

from itbs_geno import batch, team
from itbs_geno.knowledge import load_knowledge
from itbs_geno.labs import LabSheet, read_sheet
from itbs_geno.pdf import print_pdf
from itbs_geno.roster import read_roster

from conftest import ROOT, SAMPLES

ARTIFACTS = ROOT / "tests" / "artifacts"        # screenshots, for people to look at (not committed)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SQUAD = SAMPLES / "squad"
TODAY = dt.date(2026, 11, 30)
A4_LANDSCAPE_PT = (841.9, 595.3)
# A4 landscape at 96 px per inch, less the 8 mm side margins of team.css: the width print lays out in.
PRINT_WIDTH = round((297 - 16) / 25.4 * 96)


def squad_batch(count: int | None = None) -> batch.Batch:
    """The bundled squad, read as `batch` reads it; with `count`, its athletes repeated under new
    ids and names until there are that many (a bigger squad without reading more files)."""
    knowledge = load_knowledge()
    roster = read_roster(SQUAD / "roster.csv", team.builtin_columns(knowledge))
    sheet = LabSheet(SQUAD / "labs.csv", read_sheet(SQUAD / "labs.csv", knowledge.labs, TODAY))
    items, _ = batch.expand([str(SQUAD / "genomes")])
    found = batch.assemble(items, batch.run(items, jobs=1), knowledge, roster, sheet)
    if count is None:
        return found
    athletes = [dataclasses.replace(a, id=f"A{i + 1:02d}", name=f"Runner {i + 1:02d}",
                                    roster={**a.roster, "squad": ("endurance", "sprints", "jumps", "throws")[i % 4]})
                for i, a in zip(range(count), [a for _ in range(count) for a in found.athletes], strict=False)]
    return dataclasses.replace(found, athletes=athletes, no_consent=[])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team-pages")
    knowledge = load_knowledge()
    for name, count in (("squad", None), ("n8", 8), ("n60", 60)):
        team.write(squad_batch(count), folder / name, knowledge, TODAY,
                   team.TeamOptions(coach_view=True, group_by="squad"))
    return folder


@pytest.mark.parametrize("size", sorted(WIDTHS))
@pytest.mark.parametrize("name", ["team.html", "team_coach.html"])
def test_team_page_at_desktop_and_phone_width(browser, written, size, name):
    width, height = WIDTHS[size]
    page, seen = open_page(browser, written / "squad" / name, width, height)
    assert_clean(seen)
    first = page.locator("#attention li").first
    assert first.is_visible() and "See a doctor" in first.text_content() and "Ana Ruiz" in first.text_content()
    assert first.bounding_box()["y"] < height * 1.5           # within about the first screen, phone included
    assert page.locator(".selection").first.is_visible()
    assert page.locator("#labs table.labs").is_visible() and page.locator("table.default").is_visible()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px of horizontal scrolling at {width}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}-{size}.png"), full_page=False)
    page.close()


@pytest.mark.parametrize("name", ["team.html", "team_coach.html"])
def test_team_page_sorts_from_the_keyboard(browser, written, name):
    page, seen = open_page(browser, written / "squad" / name, *WIDTHS["desktop"])
    assert_clean(seen)
    assert page.locator("table.default").is_visible() and not page.locator("#by-attention").is_visible()
    page.focus("a[href='#by-attention']")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#by-attention'")
    assert page.locator("#by-attention").is_visible() and not page.locator("table.default").is_visible()
    first = page.locator("#by-attention tbody tr:not(.group) th[scope=row]").first.inner_text()
    assert first.startswith("Ana Ruiz")                       # the see-a-doctor athlete first in her group
    page.close()


def test_every_table_fits_the_printed_page_width(browser, written):
    page = browser.new_page(viewport={"width": PRINT_WIDTH, "height": 700})
    page.emulate_media(media="print")
    page.goto((written / "n60" / "team.html").as_uri())
    widths = page.evaluate("[...document.querySelectorAll('table')].filter(t => t.offsetParent)"
                           ".map(t => Math.ceil(t.getBoundingClientRect().right))")
    assert widths and max(widths) <= PRINT_WIDTH, (widths, PRINT_WIDTH)
    assert page.locator("table.sorted").first.is_hidden()     # the sorted copies are for the screen
    page.close()


@pytest.mark.parametrize("count, pages", [(8, (2, 4)), (60, (9, 11))])   # 3 and 10 pages with Debian chromium
def test_printed_team_page(written, tmp_path, count, pages):
    from pypdf import PdfReader

    pdf = tmp_path / "team.pdf"
    print_pdf(written / f"n{count}" / "team.html", pdf)
    reader = PdfReader(str(pdf))
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    everything = " ".join(texts)
    assert pages[0] <= len(reader.pages) <= pages[1], len(reader.pages)
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_LANDSCAPE_PT[0]) < 1 and abs(float(box.height) - A4_LANDSCAPE_PT[1]) < 1
    for header in ("Athlete", "squad", "event", "sex", "Needs attention", "COL5A1", "COL1A1", "IL6", "MMP3", "ACTN3",
                   "Results to discuss", "Coverage", "hs-CRP", "25-hydroxyvitamin D", "Omega-3 Index", "Ferritin"):
        assert header in everything, header
    for i in range(1, count + 1):
        assert f"A{i:02d}" in everything, i
    assert "SEE A DOCTOR" in texts[0].upper() and "Runner 01" in texts[0]      # page 1 holds data, not only a header
    # The header row repeats: every page with a row of the genes table also has its column headings.
    for text in texts:
        if "Under 18: no genetic results" in text or " 5/6" in text:
            assert "Results to discuss Coverage" in text, text[:200]
    assert "Not for selection or exclusion" in texts[0]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
