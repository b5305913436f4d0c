"""Values passed between the stages: reading, calling, interpreting, rendering."""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    CALLED = "called"
    NO_CALL = "no-call"          # the site is in the file, without a usable genotype
    NOT_TESTED = "not-tested"    # the file does not contain the site


@dataclass(frozen=True, order=True)
class Genotype:
    """Alleles on the plus strand, sorted: ("C", "T"); ("A",) when haploid; ("5A", "6A") for a repeat."""

    alleles: tuple[str, ...]

    def __str__(self) -> str:
        if any(len(a) > 1 for a in self.alleles):
            return "/".join(self.alleles)
        return "".join(self.alleles)


@dataclass(frozen=True)
class RawCall:
    """One line of the input that concerns a panel site, before any checking."""

    id: str                       # the identifier as written (rsID or vendor-internal ID)
    chrom: str
    pos: int | None
    genotype: Genotype | None     # None: the file says no-call
    text: str                     # the genotype as written, for messages
    problem: str | None = None    # why the genotype could not be parsed, if it could not
    label: str | None = None      # the file's own name for the site, when `id` is the panel's (VCF)
    notes: tuple[str, ...] = ()   # what the file says about the call (FILTER, GQ, DP, gVCF block)
    copies: int = 1               # how many times the file has this very line (duplicates are counted, not kept)


@dataclass
class Tally:
    """Counts a reader keeps while streaming the whole file."""

    variants: int = 0
    no_calls: int = 0
    malformed: int = 0           # lines of the wrong shape


@dataclass(frozen=True)
class Source:
    path: str                     # as given on the command line
    name: str                     # file name only: what the report shows
    format: str                   # reader NAME, e.g. "23andme"
    format_label: str             # e.g. "23andMe"
    compression: str              # "none", "gzip" or "zip"
    member: str | None            # the zip member read, if any
    build: str | None             # "GRCh37", "GRCh38", "NCBI36" or None when undecided
    build_basis: str              # how the build was decided, in words
    sha256: str
    variants: int | None          # rows or records read; None when an index let us skip the rest
    no_calls: int | None
    layout: str = ""              # reader-specific column layout, e.g. "genotype" or "allele1/allele2"
    strand: str = "declared"      # "declared" by the file, "documented" by the vendor, or "assumed"
    samples: tuple[str, ...] = ()
    index: str | None = None      # "tbi" or "csi" when an index was used
    warnings: tuple[str, ...] = ()

    @property
    def call_rate(self) -> float | None:
        if not self.variants or self.no_calls is None:
            return None
        return (self.variants - self.no_calls) / self.variants


@dataclass(frozen=True)
class ProxyUse:
    rsid: str
    r2: float
    population: str
    source: str


@dataclass(frozen=True)
class OutsideCall:
    """A genotype confirmed outside the file (a lab, a clinical test): it fills or replaces the file's call."""

    source: str
    date: "dt.date"
    given: str                         # the genotype as the outside-calls file wrote it
    file_genotype: str | None = None   # what the file said, when it disagreed (never hidden)

    def __str__(self) -> str:
        return f"outside call: {self.source}, {self.date.isoformat()}"


@dataclass(frozen=True)
class FileCall:
    """One file's own call at a marker, when several files of one person were merged."""

    file: str
    status: "Status"
    genotype: "Genotype | None"


@dataclass(frozen=True)
class Call:
    marker_id: str
    gene: str
    rsid: str
    status: Status
    genotype: Genotype | None
    via: str | None                    # the identifier actually read
    proxy: ProxyUse | None = None
    flag: str | None = None            # why a site present in the file gave no genotype
    notes: tuple[str, ...] = ()        # checks that passed with a remark (e.g. position differs)
    low_quality: bool = False          # called, but the caller doubted it (FILTER not PASS, GQ < 20, DP < 8)
    outside: OutsideCall | None = None  # the genotype came from --outside-calls
    per_file: tuple[FileCall, ...] = ()  # each file's own call, when several files were merged
    agreement: str | None = None       # "called (2 files agree)", "called in one file only", ...


@dataclass(frozen=True)
class Finding:
    """A call read through the panel: the category and the words for it."""

    call: Call
    category: str | None               # None unless called
    evidence: str | None
    literature: str | None             # the genotype in the literature's notation, e.g. "XX"
    meaning: str = ""
    effect: str = ""
    population: str = ""
    citations: tuple[str, ...] = ()


@dataclass(frozen=True)
class BiomarkerResult:
    """One lab marker's latest result, judged against its band (lab_panels/biomarkers.toml)."""

    marker: str                        # stable id, e.g. "vitamin_d_25oh"
    name: str
    value: float                       # in the unit it is judged in
    unit: str
    value_given: str                   # as the sheet wrote it, e.g. "<0.2" or "75"
    unit_given: str
    date: dt.date | None
    band: str | None                   # None: not judged (no threshold and no lab range)
    in_target: bool | None
    severity: int | None
    previous_value: float | None
    previous_date: dt.date | None
    trend: str | None                  # "up", "down", "unchanged" against the previous result
    retest_on: dt.date | None
    ref_low: float | None
    ref_high: float | None
    band_set: str = ""                 # "female"/"male": judged by that sex's bands; "" the general ones


@dataclass(frozen=True)
class PlanItem:
    """One thing to do, from a knowledge file: its text, evidence level and sources."""

    text: str
    evidence: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class PlanStep:
    """One step of the prioritised plan (plan.py builds them)."""

    kind: str                          # "combination", "biomarker", "gene" or "first-step"
    title: str
    why: str
    when: str = "Over the next 8–12 weeks"   # when to start: the plan's time frame
    without: tuple[PlanItem, ...] = ()
    with_: tuple[PlanItem, ...] = ()
    safety: tuple[PlanItem, ...] = ()
    retest: str = ""
    evidence: str = ""
    citations: tuple[str, ...] = ()
    gene: str | None = None            # the gene it is about, if any
    marker: str | None = None          # the lab marker it is about, if any
    band: str = "weeks-5-12"           # the plan's time band (plan.BANDS): "this-week", "next-4-weeks", ...


@dataclass(frozen=True)
class SampleResult:
    """The whole answer for one person: where the data came from, the calls read through the
    panel, the lab results and the plan that joins them."""

    sample: str
    source: Source
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    biomarkers: tuple[BiomarkerResult, ...] = ()
    plan: tuple[PlanStep, ...] = ()
    sources: tuple[Source, ...] = ()   # every file read for this person, when there were several
    person: "Person | None" = None     # what the profile adds (profile.py)
    changes: "Changes | None" = None   # what changed since a previous report (changes.py)


@dataclass(frozen=True)
class Injury:
    kind: str                          # "itbs", or the person's own words for another injury
    side: str | None                   # "left", "right" or "both"
    date: "dt.date | None"


@dataclass(frozen=True)
class Profile:
    """The person behind the file (--profile or roster columns); every field optional."""

    name: str | None = None
    sex: str | None = None             # "female" or "male"
    birth_year: int | None = None
    weekly_km: float | None = None
    longest_run_km: float | None = None   # the longest single run of the last 30 days
    injuries: tuple[Injury, ...] = ()
    race_date: "dt.date | None" = None


@dataclass(frozen=True)
class Person:
    """The profile and what follows from it on the day of the report."""

    profile: Profile
    on: "dt.date"                      # the date the report is made
    minor: bool                        # may be under 18 on that date (from the birth year)
    calendar: tuple[tuple[str, "dt.date", "dt.date"], ...] = ()   # plan band -> real dates, with a race date


@dataclass(frozen=True)
class Change:
    kind: str                          # "category", "evidence", "new-call", "lost-call", "genotype", "lab"
    subject: str                       # "COL5A1 rs12722" or a lab marker's name
    old: str
    new: str
    why: str = ""                      # the panel changelog entry, or the lab trend


@dataclass(frozen=True)
class Changes:
    since: str                         # the previous report's date (or its panel date)
    old_panel: str
    new_panel: str
    items: tuple[Change, ...] = ()
