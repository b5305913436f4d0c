"""team.xlsx (openpyxl, from the team DataFrames) and the retest calendars (team.ics and one
.ics per athlete, RFC 5545).

A calendar is often synced to a phone or a cloud account, so its events carry no values and no
bands: an all-day event on the retest date, titled with the marker's name only; the team
calendar adds the athlete id in the description so staff know whose test it is.
"""

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from itbs_geno import __version__
from itbs_geno.batch import Athlete, Batch
from itbs_geno.knowledge import Knowledge
from itbs_geno.team_status import lab_cells
from itbs_geno.team_table import FORMULA_STARTS, TeamFrames

NOT_FOR_SELECTION = ("Not for selection or exclusion: these genetic results are weak risk modifiers from small "
                     "studies of other soft-tissue injuries; no one may be picked, dropped or ranked by them.")


def xlsx(frames: TeamFrames, today: dt.date) -> bytes:
    """Sheets Genes, Labs and Actions, each with a frozen header row (and the athlete columns
    frozen beside it), then About. Text that looks like a formula is stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    genes = frames.wide.drop(columns=frames.lab_columns)
    sheets = (("Genes", genes, "C2"), ("Labs", frames.labs, "C2"), ("Actions", frames.actions, "C2"))
    for i, (title, frame, freeze) in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([_text(c) for c in frame.columns])
        for cell in sheet[1]:
            _neutralise(cell)
            cell.font = Font(bold=True)
        for values in frame.itertuples(index=False):
            sheet.append([_value(v) for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                _neutralise(cell)
        sheet.freeze_panes = freeze
        for letter, width in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _widths(frame), strict=False):
            sheet.column_dimensions[letter].width = width
    about = book.create_sheet("About")
    for line in (f"itbs-geno {__version__} team summary, made {today.isoformat()}", NOT_FOR_SELECTION,
                 "Genes: one row per athlete; a minor's genetic results are withheld (labs only).",
                 "Labs: one row per athlete and marker (latest result, retest date, due or overdue).",
                 "Actions: what needs attention, most urgent first."):
        about.append([line])
    # Fixed document dates: the same run gives the same workbook contents.
    stamp = dt.datetime.combine(today, dt.time())
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, (int, float)) else _text(value)


def _text(value: Any) -> str:
    # Control characters other than tab, CR and LF are not allowed in an xlsx file at all.
    return "".join(c if c >= " " or c in "\t\r\n" else " " for c in str(value))


def _neutralise(cell) -> None:
    """Formula-like text stays text: stored as a string, with Excel's quote prefix so an edit
    of the cell does not turn it into a formula either."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _widths(frame) -> list[float]:
    return [min(40, max(8, len(str(c)) + 2, *(len(str(v)) + 2 for v in frame[c].head(200)))) for c in frame.columns]


# RFC 5545: lines end in CRLF and are folded at 75 octets; text escapes backslash, ; , and newlines.
def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    parts: list[bytes] = []
    current = b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current)
            current = b""
        current += piece
    parts.append(current)
    return "\r\n ".join(p.decode("utf-8") for p in parts)


def _day(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def calendar(athletes: Iterable[Athlete], knowledge: Knowledge, today: dt.date, team: bool) -> str:
    """One VCALENDAR: each dated lab result's retest as an all-day event on its retest date."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//itbs-geno//{__version__}//EN", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:" + _escape("Retests" if team else "My retests")]
    stamp = _day(today) + "T000000Z"
    for athlete in athletes:
        for cell in lab_cells(athlete, knowledge, today):
            if cell.retest_on is None:
                continue
            lines += ["BEGIN:VEVENT", f"UID:{athlete.id}-{cell.marker}-{_day(cell.retest_on)}@itbs-geno",
                      f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{_day(cell.retest_on)}",
                      f"DTEND;VALUE=DATE:{_day(cell.retest_on + dt.timedelta(days=1))}",
                      f"SUMMARY:{_escape(cell.name)}", "TRANSP:TRANSPARENT"]
            if team:
                lines.append(f"DESCRIPTION:{_escape(f'Retest for athlete {athlete.id}')}")
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def calendars(batch: Batch, knowledge: Knowledge, today: dt.date) -> dict[str, str]:
    """team.ics, and <athlete id>.ics for each athlete with a dated lab result."""
    files = {"team.ics": calendar(batch.athletes, knowledge, today, team=True)}
    for athlete in batch.athletes:
        if any(b.retest_on for b in athlete.result.biomarkers):
            files[f"{athlete.id}.ics"] = calendar([athlete], knowledge, today, team=False)
    return files
