"""Per athlete, what every team output shows beyond the genotypes: each lab marker's latest
result with its retest date (due or overdue against the run date), whether the athlete is a
minor, and what needs attention. Pure functions of the batch and the run date; no file is read."""

import datetime as dt
from dataclasses import dataclass

from itbs_geno.batch import Athlete, Batch
from itbs_geno.interpret import counted
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import BiomarkerResult, Status
from itbs_geno.profile import is_minor as minor_by_year

# Band severity (biomarkers.toml) as a symbol and a word, so a cell never relies on colour.
SEVERITY = {0: ("●", "on target"), 1: ("◆", "worth correcting"), 2: ("▲", "act on it"), 3: ("■", "see a doctor")}
NOT_JUDGED = ("?", "not judged")
SEE_A_DOCTOR = 3
ARROWS = {"up": "↑", "down": "↓", "unchanged": "→"}
DUE_WITHIN = dt.timedelta(days=28)     # a retest this close is "due": time to book it

# What needs attention, most urgent first (the rank orders the list at the top of team.html).
KINDS = {"doctor": (0, "See a doctor"), "overdue": (1, "Retest overdue"), "failed": (2, "File failed"),
         "due": (3, "Retest due"), "discuss": (4, "Results to discuss"), "no-call": (5, "Markers not read")}


@dataclass(frozen=True)
class LabCell:
    marker: str                    # lab panel id
    name: str                      # short marker name (before any bracket)
    value: str                     # "11 ng/mL", in the unit it is judged in
    symbol: str
    word: str                      # the severity as a word
    band: str                      # the band's own label
    severity: int | None
    date: dt.date | None
    previous: str                  # "24 ng/mL on 2026-06-02", or ""
    trend: str | None              # "up", "down", "unchanged"
    arrow: str
    retest_on: dt.date | None
    retest: str                    # "overdue", "due", "later" or "" (undated result)


@dataclass(frozen=True)
class Attention:
    kind: str                      # a key of KINDS
    what: str                      # the reason, as the medical view words it
    coach: str                     # the same without lab values or genotypes

    @property
    def rank(self) -> int:
        return KINDS[self.kind][0]

    @property
    def label(self) -> str:
        return KINDS[self.kind][1]


def short_name(name: str) -> str:
    """"Ferritin (iron stores)" -> "Ferritin": a column heading; the full name goes in the key."""
    return name.split(" (")[0]


def retest_state(retest_on: dt.date | None, today: dt.date) -> str:
    if retest_on is None:
        return ""
    if retest_on < today:
        return "overdue"
    return "due" if retest_on - today <= DUE_WITHIN else "later"


def is_minor(athlete: Athlete, today: dt.date) -> bool:
    """Under 18 on the run date. A birth year alone cannot tell whether this year's birthday has
    passed, so an athlete who may still be 17 counts as a minor."""
    return minor_by_year(athlete.birth_year, today)


def lab_cells(athlete: Athlete, knowledge: Knowledge, today: dt.date) -> list[LabCell]:
    return [_cell(b, knowledge, today) for b in athlete.result.biomarkers]


def _cell(b: BiomarkerResult, knowledge: Knowledge, today: dt.date) -> LabCell:
    marker = knowledge.labs.markers[b.marker]
    band = next((x for x in marker.bands if x.id == b.band), None)
    symbol, word = SEVERITY.get(b.severity, NOT_JUDGED) if b.severity is not None else NOT_JUDGED
    previous = ""
    if b.previous_value is not None:
        previous = f"{b.previous_value:g} {b.unit}" + (f" on {b.previous_date.isoformat()}" if b.previous_date else "")
    return LabCell(b.marker, short_name(b.name), f"{b.value:g} {b.unit}", symbol, word, band.label if band else "",
                   b.severity, b.date, previous, b.trend, ARROWS.get(b.trend or "", ""), b.retest_on,
                   retest_state(b.retest_on, today))


def attention(athlete: Athlete, knowledge: Knowledge, today: dt.date) -> list[Attention]:
    """What to act on for one athlete, most urgent first; empty when there is nothing."""
    found = []
    for cell in lab_cells(athlete, knowledge, today):
        if cell.severity == SEE_A_DOCTOR:
            found.append(Attention("doctor", f"{cell.name} {cell.value}: {cell.band or cell.word}",
                                   f"{cell.name}: see a doctor"))
        if cell.retest == "overdue" and cell.retest_on is not None:
            since = f"{cell.name} retest was due on {cell.retest_on.isoformat()}"
            found.append(Attention("overdue", since, since))
        if cell.retest == "due" and cell.retest_on is not None:
            soon = f"{cell.name} retest due on {cell.retest_on.isoformat()}"
            found.append(Attention("due", soon, soon))
    if not is_minor(athlete, today):
        panel = knowledge.genes
        findings = athlete.result.findings
        discuss = sorted({f.call.gene for f in counted(panel, findings)})
        if discuss:
            genes = ", ".join(discuss)
            found.append(Attention("discuss", f"{len(discuss)} gene result(s) to talk through: {genes}",
                                   f"{len(discuss)} gene result(s) to talk through with the medical staff"))
        unread = sorted({f.call.gene for f in findings if f.call.status is Status.NO_CALL})
        if unread:
            text = f"no genotype for {', '.join(unread)} (in the file, not readable)"
            found.append(Attention("no-call", text, text))
    return sorted(found, key=lambda a: a.rank)


@dataclass(frozen=True)
class Entry:
    """One line of the sorted "Needs attention" list: an athlete (or a failed input) and a reason."""

    athlete_id: str | None         # None for a failed input
    who: str
    attention: Attention


def squad_attention(batch: Batch, knowledge: Knowledge, today: dt.date) -> tuple[list[Entry], list[str]]:
    """Every reason to act, most urgent first (then by athlete); and the athletes with none."""
    entries, calm = [], []
    for athlete in batch.athletes:
        mine = attention(athlete, knowledge, today)
        entries += [Entry(athlete.id, athlete.name, a) for a in mine]
        if not mine:
            calm.append(athlete.name)
    for failure in batch.failures:
        entries.append(Entry(None, failure.input, Attention("failed", failure.message, failure.message)))
    entries.sort(key=lambda e: (e.attention.rank, e.who.lower()))
    return entries, calm
