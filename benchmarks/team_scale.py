#!/usr/bin/env python3
"""Team outputs at squad scale: writing the team files and loading team.html for a big squad,
against a small squad of the same athletes in the same run.

The bundled squad (sample_genomes/squad) is read once; its athletes are repeated under new ids
to each size, so the figures measure the team outputs alone (reading the genome files is
batch_scaling.py's job). For each size: the median wall time of team.write (every athlete's
report, JSON and calendar, team.html/.csv/.xlsx/.ics/.json and the coach view), the bytes of
team.html, and, with Chromium, the median time to load and lay out team.html. Ratios are
against the smallest size: linear growth is a ratio equal to the size ratio.

usage: python benchmarks/team_scale.py [--sizes 50,500] [--repeats 3] [--no-browser]
"""

import argparse
import dataclasses
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "sample_genomes" / "squad"
TODAY = dt.date(2026, 11, 30)
GROUPS = ("endurance", "sprints", "jumps", "throws", "walks")


def squad(count: int):
    from itbs_geno import batch, team
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.labs import LabSheet, read_sheet
    from itbs_geno.roster import read_roster

    knowledge = load_knowledge()
    roster = read_roster(SQUAD / "roster.csv", team.builtin_columns(knowledge))
    sheet = LabSheet(SQUAD / "labs.csv", read_sheet(SQUAD / "labs.csv", knowledge.labs, TODAY))
    items, _ = batch.expand([str(SQUAD / "genomes")])
    found = batch.assemble(items, batch.run(items, jobs=1), knowledge, roster, sheet)
    source = found.athletes
    athletes = [dataclasses.replace(source[i % len(source)], id=f"A{i + 1:04d}", name=f"Runner {i + 1:04d}",
                                    roster={**source[i % len(source)].roster, "squad": GROUPS[i % len(GROUPS)]})
                for i in range(count)]
    return dataclasses.replace(found, athletes=athletes, no_consent=[]), knowledge


def write_seconds(count: int, repeats: int, work: Path) -> tuple[float, Path]:
    from itbs_geno import team

    batch, knowledge = squad(count)
    times = []
    for i in range(repeats):
        out = work / f"n{count}-{i}"
        start = time.perf_counter()
        team.write(batch, out, knowledge, TODAY, team.TeamOptions(coach_view=True, group_by="squad"))
        times.append(time.perf_counter() - start)
    return statistics.median(times), work / f"n{count}-0"


def load_seconds(page: Path, repeats: int) -> float | None:
    """Median seconds for Chromium to load and lay out the page (None without Playwright/Chromium)."""
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if browser_path is None:
        return None
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        for _ in range(repeats):
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            tab.goto(page.as_uri())
            tab.wait_for_load_state("load")
            tab.evaluate("document.body.getBoundingClientRect().height")       # forces layout
            times.append(time.perf_counter() - start)
            tab.close()
        browser.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="itbs-team-bench-"))
    try:
        rows = []
        for count in sizes:
            seconds, out = write_seconds(count, args.repeats, work)
            html = (out / "team.html").stat().st_size
            load = None if args.no_browser else load_seconds(out / "team.html", args.repeats)
            rows.append((count, seconds, html, (out / "team.xlsx").stat().st_size, load))
        base = rows[0]
        print("| athletes | write all outputs | × baseline | team.html | KB per athlete | team.xlsx | "
              "load team.html | × baseline |")
        print("|---|---|---|---|---|---|---|---|")
        for count, seconds, html, xlsx, load in rows:
            shown = "n/a" if load is None else f"{load:.2f} s"
            ratio = "n/a" if load is None or base[4] is None else f"{load / base[4]:.1f}"
            print(f"| {count} | {seconds:.2f} s | {seconds / base[1]:.1f} | {html / 1e6:.2f} MB | "
                  f"{html / count / 1e3:.1f} | {xlsx / 1e3:.0f} KB | {shown} | {ratio} |")
        print(f"\nsize ratio {sizes[-1] / sizes[0]:.0f}: a × baseline equal to it is linear growth")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
