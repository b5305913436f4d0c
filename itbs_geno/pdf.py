"""Print a written HTML report to PDF with a headless Chromium or Chrome, when one is installed.

The browser runs with a throw-away profile and with background networking, sync, component
updates and extensions off; the page itself loads nothing (its Content-Security-Policy
forbids it). Chromium's own header and footer give the title, date and page numbers.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.output import umask

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
HOW_TO_GET_IT = ("--pdf needs Chromium or Chrome, and neither is installed: on Debian or Ubuntu run "
                 "'sudo apt install chromium' (or open the HTML report in any browser and print it to PDF)")


def find_browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path, shareable: bool = False) -> None:
    browser = find_browser()
    if browser is None:
        raise InputError(HOW_TO_GET_IT)
    folder = pdf.parent if str(pdf.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{pdf}: the folder {folder} does not exist; create it or choose another output path")
    with tempfile.TemporaryDirectory(prefix="itbs-geno-pdf-") as profile:
        partial = Path(tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".part", dir=folder)[1])
        command = [browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-extensions", "--disable-features=Translate,MediaRouter,OptimizationHints",
                   f"--user-data-dir={profile}", f"--print-to-pdf={partial}", html.resolve().as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")          # Chromium refuses to run as root with its sandbox
        try:
            subprocess.run(command, capture_output=True, timeout=180, check=False)
            if not partial.read_bytes()[:5] == b"%PDF-":
                raise InputError(f"{pdf}: {Path(browser).name} did not produce a PDF; print the HTML report "
                                 f"from a browser instead")
            os.chmod(partial, 0o644 & ~umask() if shareable else 0o600)
            os.replace(partial, pdf)
        except subprocess.TimeoutExpired:
            raise InputError(f"{pdf}: {Path(browser).name} took too long to print the report") from None
        finally:
            partial.unlink(missing_ok=True)
