"""What the browser tests share: Debian's Chromium through Playwright (the `browser` fixture in
conftest.py launches it), and a page opened with every console error, failed request and request
made on its load recorded."""

import shutil

import pytest

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
if CHROMIUM is None:
    pytest.fail("the browser tests need Chromium: apt-get install chromium (.ci/run does this)", pytrace=False)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-extensions"]


def open_page(browser, path, width, height):
    """The page at `path` (a file), loaded, and what it did on the way: (page, seen)."""
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
    """No error, no failed request, nothing fetched but the page itself (and data: URLs)."""
    assert seen["errors"] == [] and seen["failed"] == []
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"]), seen["requests"]
