"""--profile (issue 16, item 1): sex-specific ferritin bands with their sources, the person's own
risk factors first in the plan with their numbers, the consensus note leading a minor's report,
a race date that dates the plan, and one clear line for each bad field."""

import datetime as dt
import html as markup
import json

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli

from conftest import SAMPLES

GENOME = SAMPLES / "synthetic_23andme.txt"


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output + result.stderr
    return result


def report(tmp_path, profile: str | None, labs: str | None = None):
    args = ["report", GENOME, "-o", tmp_path / "r.html", "--json", tmp_path / "r.json"]
    if profile is not None:
        (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
        args += ["--profile", tmp_path / "p.toml"]
    if labs is not None:
        (tmp_path / "labs.csv").write_text("marker,value,unit,date\n" + labs, encoding="utf-8")
        args += ["--labs", tmp_path / "labs.csv"]
    run(*args)
    html = markup.unescape((tmp_path / "r.html").read_text(encoding="utf-8"))
    return html, json.loads((tmp_path / "r.json").read_text())


def ferritin(data):
    return next(b for b in data["biomarkers"] if b["marker"] == "ferritin")


@pytest.mark.parametrize(("sex", "label", "source"), [
    ("female", "Low iron stores (inside many labs' female range)", "Female set. DiaSys reference range for women"),
    ("male", "Low iron stores (below many labs' male range)", "Male set. DiaSys reference range for men"),
])
def test_ferritin_25_is_judged_by_the_persons_sex_with_its_source(tmp_path, sex, label, source):
    html, data = report(tmp_path, f'sex = "{sex}"\n', "Ferritin,25,µg/L,2026-09-15\n")
    assert ferritin(data)["band_set"] == sex
    assert ferritin(data)["band"] == "suboptimal"
    assert label in html and source in html
    assert f"judged by the {sex} bands" in html
    assert data["profile"]["lab_bands"] == sex


def test_the_overload_line_differs_by_sex(tmp_path):
    _, woman = report(tmp_path, 'sex = "female"\n', "Ferritin,250,ng/mL,2026-09-15\n")
    _, man = report(tmp_path, 'sex = "male"\n', "Ferritin,250,ng/mL,2026-09-15\n")
    assert (ferritin(woman)["band"], ferritin(woman)["severity"]) == ("high", 3)        # EASL: above 200 in women
    assert (ferritin(man)["band"], ferritin(man)["severity"]) == ("above_target", 1)    # above 300 in men


def test_without_sex_the_report_says_the_bands_are_not_sex_specific(tmp_path):
    html, data = report(tmp_path, None, "Ferritin,25,µg/L,2026-09-15\n")
    assert ferritin(data)["band_set"] == "general"
    assert "These bands are not sex-specific: no sex was given" in html


def test_a_previous_itbs_puts_load_and_strength_first_with_the_persons_numbers(tmp_path):
    html, data = report(tmp_path, 'longest_run_km = 18\nweekly_km = 40\n'
                                  '[[injuries]]\nkind = "ITBS"\nside = "left"\ndate = 2025-09-01\n')
    first, second = data["plan"][0], data["plan"][1]
    assert (first["kind"], second["kind"]) == ("history", "load")
    assert first["band"] == second["band"] == "this-week"
    assert "ITBS, left, 2025-09-01" in first["why"] and first["citations"] == ["vanderworp2015"]
    assert "hip" in first["without"][0]["text"]
    assert second["title"] == "Keep your long run under 19.8 km this month"
    assert "was 18 km; 10 % more is 19.8 km" in second["why"] and second["citations"] == ["frandsen2025"]
    assert "weekly distance (40 km)" in second["why"]
    assert data["profile"]["long_run_cap_km"] == 19.8
    # The first screen's "this week" shows them first too.
    assert html.index("Keep your long run under 19.8 km") < html.index("Start with what helps any runner")


def test_a_16_year_olds_report_leads_with_the_consensus_note(tmp_path):
    html, data = report(tmp_path, f"birth_year = {dt.date.today().year - 16}\n")
    assert data["profile"]["minor"] is True
    note = html.index("Please read first.")
    assert "no child or young athlete should have a genetic test" in html
    assert note < html.index('id="plan-h"') and note < html.index('id="gene-COL5A1"')
    # The note says genes must not shape a minor's training, so no gene sets a plan step.
    assert not [s for s in data["plan"] if s["gene"]] and data["plan"]
    _, adult = report(tmp_path, f"birth_year = {dt.date.today().year - 30}\n")
    assert adult["profile"]["minor"] is False
    assert "Please read first." not in (tmp_path / "r.html").read_text()
    assert [s for s in adult["plan"] if s["gene"]]             # the same genome gives gene steps to an adult


def test_a_race_date_dates_the_plans_bands(tmp_path):
    race = dt.date.today() + dt.timedelta(weeks=20)
    html, data = report(tmp_path, f"race_date = {race.isoformat()}\n")
    calendar = {c["band"]: (c["start"], c["end"]) for c in data["profile"]["calendar"]}
    today = dt.date.today()
    assert calendar["this-week"] == (today.isoformat(), (today + dt.timedelta(days=6)).isoformat())
    assert f"Goal race on {race.isoformat()}, 20 weeks from the report date" in html
    assert '<span class="dates">' in html


@pytest.mark.parametrize(("text", "message"), [
    ('sex = "x"\n', "field 'sex' should be female or male, not 'x'"),
    ('birth_year = "abc"\n', "field 'birth_year' should be a year such as 1990, not 'abc'"),
    ("longest_run_km = -3\n", "field 'longest_run_km' should be between 0 and 250 km, not -3"),
    ('race_date = "soon"\n', "field 'race_date' should be a date as YYYY-MM-DD, not 'soon'"),
    ('[[injuries]]\nkind = "itbs"\nside = "up"\n', "injuries[0]: field 'side' should be left, right or both"),
    ('[[injuries]]\nside = "left"\n', "injuries[0]: field 'kind' is missing"),
    ('shoe = "x"\n', "unknown profile field 'shoe'"),
    ("sex = \n", "not valid TOML"),
])
def test_each_bad_field_is_refused_in_one_line(tmp_path, text, message):
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    result = run("report", GENOME, "-o", tmp_path / "r.html", "--profile", tmp_path / "p.toml", code=2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_the_sample_profile_runs(tmp_path):
    html, data = report(tmp_path, (SAMPLES / "sample_profile.toml").read_text(encoding="utf-8"))
    assert data["profile"]["name"] == "Sam Synthetic" and data["person"] == "Sam Synthetic"
    assert "ITBS, left, 2025-09-01; achilles tendinopathy, right, 2023-05-10" in html


def test_sex_specific_bands_are_checked_when_the_lab_panel_loads(tmp_path, panel):
    import shutil

    from itbs_geno.errors import PanelError
    from itbs_geno.lab_panel import load_lab_panel
    from itbs_geno.resources import data_dir

    from conftest import edit

    folder = tmp_path / "lab_panels"
    shutil.copytree(data_dir("lab_panels"), folder)
    ferritin = load_lab_panel(panel, folder).markers["ferritin"]
    assert [b.up_to for b in ferritin.bands_for("female")][3:5] == [150.0, 200.0]
    assert [b.up_to for b in ferritin.bands_for("male")][3:5] == [150.0, 300.0]
    edit(folder / "biomarkers.toml", 'id = "high"\nlabel = "High for a man"',
         'id = "very_high"\nlabel = "High for a man"')
    with pytest.raises(PanelError, match="male_bands should have the ids of"):
        load_lab_panel(panel, folder)
