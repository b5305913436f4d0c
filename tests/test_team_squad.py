"""The squad view on the bundled squad (sample_genomes/squad/): labs and retests on the team page,
what needs attention, consent and minors, groups, team.csv / team.xlsx read back, the retest
calendars read with the icalendar library, and pandas kept off the single-file path."""

import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from itbs_geno.cli import cli
from itbs_geno.team_status import is_minor, retest_state

from conftest import ROOT, SAMPLES

SQUAD = SAMPLES / "squad"
TODAY = "2026-11-30"


def run(*args):
    return CliRunner().invoke(cli, ["batch", *[str(a) for a in args]])


def squad_args(out, *more):
    return [SQUAD / "genomes", "-o", out, "--roster", SQUAD / "roster.csv", "--labs", SQUAD / "labs.csv",
            "--today", TODAY, "--jobs", "1", *more]


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    out = tmp_path_factory.mktemp("squad") / "team"
    result = run(*squad_args(out, "--group-by", "squad", "--coach-view"))
    assert result.exit_code == 0, result.output
    assert "Skipped, no consent: Dee Obi" in result.stderr
    return out


def rows(path):
    return {r["athlete_id"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}


def test_no_consent_athlete_is_not_read_and_is_listed(team):
    assert not list(team.glob("S04.*"))
    assert "S04" not in rows(team / "team.csv")
    data = json.loads((team / "team.json").read_text())
    assert data["not_processed"] == [{"athlete": "Dee Obi", "reason": "no consent"}]
    for page in ("team.html", "team_coach.html"):
        assert "Skipped, no consent (not read, nothing written): Dee Obi." in (team / page).read_text()


def test_every_team_page_says_not_for_selection(team):
    for page in ("team.html", "team_coach.html"):
        assert "Not for selection or exclusion." in (team / page).read_text()


def test_needs_attention_comes_first_most_urgent_first(team):
    page = (team / "team.html").read_text()
    attention = page[page.index('id="attention-h"'):page.index('id="grid-h"')]
    items = attention.split("<li ")[1:]
    assert 'class="need-doctor"' in items[0] and "Ana Ruiz" in items[0]
    assert "Ferritin 11 ng/mL: Iron deficient" in items[0]
    kinds = [item.split('"')[1] for item in items]
    assert kinds == sorted(kinds, key=["need-doctor", "need-overdue", "need-due", "need-discuss", "need-no-call"].index)
    assert "Ben Okafor</a></strong>: hs-CRP retest was due on 2026-08-26" in attention
    assert "Eli Park</a></strong>: no genotype for COL1A1, MMP3" in attention
    assert "Fay Moss</a></strong>: hs-CRP retest due on 2026-11-30" in attention
    assert "Nothing to act on: Cai Lin, Gus Hale." in attention
    assert "Results to discuss" in page and "higher-risk count" not in page.lower()


def test_labs_on_the_team_page_with_band_trend_and_retest(team):
    page = (team / "team.html").read_text()
    labs = page[page.index('id="labs-h"'):page.index('id="counts-h"')]
    assert "■</span> see a doctor</span><br>11 ng/mL" in labs and "↓" in labs and "2026-10-20" in labs
    assert "retest 2026-08-26 · <strong>overdue</strong>" in labs          # Ben's hs-CRP
    assert "retest 2026-11-30 · <strong>due</strong>" in labs              # Fay's hs-CRP, due on the run date
    coach = (team / "team_coach.html").read_text()
    assert "see a doctor" in coach and "11 ng/mL" not in coach and "TT (XX)" not in coach


def test_minor_has_no_genetic_results_on_team_outputs_and_own_report_leads_with_the_note(team):
    page = (team / "team.html").read_text()
    cai = page[page.index(">Cai Lin</a>"):].split("</tr>")[0]
    assert "Under 18: no genetic results on team pages" in cai and "higher" not in cai
    csv_rows = rows(team / "team.csv")
    assert csv_rows["S03"]["genetics"] == "withheld: under 18" and csv_rows["S03"]["ACTN3_rs1815739_genotype"] == ""
    assert csv_rows["S03"]["ferritin_band"] == "below_target" and csv_rows["S01"]["genetics"] == "shown"
    data = json.loads((team / "team.json").read_text())
    s03 = next(a for a in data["athletes"] if a["id"] == "S03")
    assert s03["minor"] and s03["result"]["markers"] == [] and s03["result"]["biomarkers"]
    assert sum(data["counts"]["ACTN3 rs1815739"].values()) == 6              # seven athletes, the minor not counted
    own = (team / "S03.html").read_text()
    assert own.index("Under 18 on the date of this report") < own.index("<h1>")
    assert "Under 18" not in (team / "S01.html").read_text()


def test_groups_with_counts(team):
    page = (team / "team.html").read_text()
    groups = page[page.index("Grouped by squad:"):].split("</p>")[0]
    assert [g.split("</span>")[0] for g in groups.split('class="group-count">')[1:]] == [
        "endurance: 3 athlete(s), 3 to act on", "jumps: 2 athlete(s), 1 to act on",
        "sprints: 2 athlete(s), 1 to act on"]
    assert "squad: sprints (2 athletes)" in page and "<script" not in page


def test_csv_has_retests_against_the_run_date(team):
    r = rows(team / "team.csv")
    assert r["S01"]["ferritin_value"] == "11" and r["S01"]["ferritin_trend"] == "down"
    assert r["S01"]["ferritin_retest_on"] == "2026-12-29" and r["S01"]["ferritin_retest"] == "later"
    assert r["S02"]["hs_crp_retest"] == "overdue" and r["S06"]["hs_crp_retest"] == "due"
    assert r["S08"]["results_to_discuss"] == "2" and r["S07"]["needs_attention"] == "nothing to act on"
    coach = rows(team / "team_coach.csv")
    assert "ferritin_value" not in coach["S01"] and coach["S01"]["ferritin_band"] == "deficiency"
    assert "ACTN3_rs1815739_genotype" not in coach["S01"]


def test_xlsx_reads_back_with_frozen_headers_and_three_sheets(team):
    from openpyxl import load_workbook

    book = load_workbook(team / "team.xlsx")
    assert book.sheetnames == ["Genes", "Labs", "Actions", "About"]
    genes, labs, actions = book["Genes"], book["Labs"], book["Actions"]
    assert genes.freeze_panes == "C2" and labs.freeze_panes == "C2" and actions.freeze_panes == "C2"
    header = [c.value for c in genes[1]]
    assert header[:3] == ["athlete_id", "name", "squad"] and "ferritin_value" not in header
    assert [c.value for c in genes["A"]][1:] == ["S01", "S02", "S03", "S05", "S06", "S07", "S08"]
    lab_rows = [[c.value for c in row] for row in labs.iter_rows(min_row=2)]
    assert ["S01", "Ana Ruiz", "Ferritin", 11, "ng/mL", "Iron deficient", "see a doctor", "2026-10-20",
            "24 ng/mL on 2026-06-10", "down", "2026-12-29", "later"] in lab_rows
    first = [c.value for c in actions[2]]
    assert first[:3] == ["S01", "Ana Ruiz", "See a doctor"]
    assert "Not for selection or exclusion" in book["About"]["A2"].value


def test_retest_calendars_are_valid_all_day_events_without_values(team):
    from icalendar import Calendar

    calendar = Calendar.from_ical((team / "team.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 13                 # the latest result per athlete and marker: 15 rows, 2 of them earlier
    names = {"hs-CRP", "25-hydroxyvitamin D", "Omega-3 Index", "Ferritin"}
    for event in events:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end - start == dt.timedelta(days=1)        # all-day
        assert str(event["SUMMARY"]) in names                                        # the marker name only
        assert str(event["DESCRIPTION"]).startswith("Retest for athlete S0")
    assert len({str(e["UID"]) for e in events}) == len(events)
    own = Calendar.from_ical((team / "S01.ics").read_bytes())
    assert sorted(str(e["SUMMARY"]) for e in own.walk("VEVENT")) == ["25-hydroxyvitamin D", "Ferritin", "hs-CRP"]
    assert not (team / "S05.ics").exists()   # no lab results, no calendar
    for name in ("team.ics", "S01.ics"):
        text = (team / name).read_bytes()
        assert b"\r\n" in text
        assert not any(word in text for word in (b"ng/mL", b"mg/L", b"%", b"doctor", b"overdue", b"deficient"))


def test_formula_like_cells_are_text_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    roster = tmp_path / "roster.csv"
    roster.write_text('file,athlete_id,name,"=cmd|x"\nana_ruiz_23andme.txt,S01,"=HYPERLINK(""http://evil"")",@sum\n')
    out = tmp_path / "team"
    result = run(SQUAD / "genomes" / "ana_ruiz_23andme.txt", "-o", out, "--roster", roster, "--today", TODAY)
    assert result.exit_code == 0, result.output
    row = next(csv.reader(io.StringIO((out / "team.csv").read_text(encoding="utf-8-sig").splitlines()[1])))
    assert row[1] == "'=HYPERLINK(\"http://evil\")" and row[2] == "'@sum"
    sheet = load_workbook(out / "team.xlsx")["Genes"]
    for cell in (sheet["B2"], sheet["C2"], sheet["C1"]):
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert sheet["B2"].value == '=HYPERLINK("http://evil")' and sheet["C1"].value == "=cmd|x"


@pytest.mark.parametrize("given", ["2026-13-01", "30/11/2026", "2026-2-3", "tomorrow", "1850-01-01"])
def test_today_must_be_a_real_date(tmp_path, given):
    result = run(SAMPLES / "synthetic_23andme.txt", "-o", tmp_path / "t", "--today", given)
    assert result.exit_code == 2 and "--today" in result.stderr and not (tmp_path / "t").exists()


def test_group_by_needs_a_roster_column(tmp_path):
    result = run(SAMPLES / "synthetic_23andme.txt", "-o", tmp_path / "t", "--group-by", "squad")
    assert result.exit_code == 2 and "add --roster" in result.stderr
    result = run(*squad_args(tmp_path / "t", "--group-by", "position"))
    assert result.exit_code == 2
    assert "no column 'position' to group by (its free columns: squad, event, sex)" in result.stderr


@pytest.mark.parametrize("cell, message", [("maybe", 'consent "maybe" should be yes or no'),
                                           ("", 'consent "" should be yes or no')])
def test_consent_must_be_yes_or_no(tmp_path, cell, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"file,athlete_id,consent\nana_ruiz_23andme.txt,S01,{cell}\n")
    result = run(SQUAD / "genomes", "-o", tmp_path / "t", "--roster", roster)
    assert result.exit_code == 2 and message in result.stderr


def test_an_athlete_missing_from_a_consent_roster_is_not_processed(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("file,athlete_id,consent\nana_ruiz_23andme.txt,S01,yes\n")
    out = tmp_path / "t"
    result = run(SQUAD / "genomes" / "ana_ruiz_23andme.txt", SQUAD / "genomes" / "hal_reid_23andme.txt",
                 "-o", out, "--roster", roster)
    assert result.exit_code == 0
    data = json.loads((out / "team.json").read_text())
    assert [a["id"] for a in data["athletes"]] == ["S01"] and data["not_processed"][0]["reason"] == "no consent"


def test_minor_and_retest_rules():
    from itbs_geno.batch import Athlete

    today = dt.date(2026, 11, 30)
    athlete = lambda year: Athlete("x", "x", "x", {}, None, year)  # type: ignore[arg-type]  # noqa: E731
    assert is_minor(athlete(2009), today) and is_minor(athlete(2008), today)     # 2008: may still be 17
    assert not is_minor(athlete(2007), today) and not is_minor(athlete(None), today)
    assert retest_state(dt.date(2026, 11, 29), today) == "overdue"
    assert retest_state(today, today) == "due" and retest_state(dt.date(2026, 12, 28), today) == "due"
    assert retest_state(dt.date(2026, 12, 29), today) == "later" and retest_state(None, today) == ""


def test_report_on_one_file_does_not_import_pandas(tmp_path):
    code = ("import sys; from itbs_geno.cli import cli\n"
            "try:\n    cli.main(sys.argv[1:], standalone_mode=False)\nfinally:\n"
            "    print('pandas' in sys.modules, 'openpyxl' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code, "report", str(SAMPLES / "synthetic_23andme.txt"),
                           "-o", str(tmp_path / "r.html")], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["False", "False"] and (tmp_path / "r.html").exists()


def test_squad_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "make_squad.py"), str(tmp_path)], check=True)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(p.relative_to(SQUAD) for p in SQUAD.rglob("*") if p.is_file())
    for name in made:
        assert (tmp_path / name).read_bytes() == (SQUAD / name).read_bytes(), name
