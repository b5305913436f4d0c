"""The whole flow for one input: detect, read the panel sites, call, interpret, judge the labs and
build the plan. The result is the whole answer: render, team output and JSON only print it."""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itbs_geno.calling import ASSUME_REF_WARNING, call_panel, with_outside_calls
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.knowledge import Knowledge, load_knowledge
from itbs_geno.model import BiomarkerResult, Call, Finding, Person, PlanStep, Profile, SampleResult, Source
from itbs_geno.panel_model import Panel
from itbs_geno.person_input import PersonInput, compare
from itbs_geno.person_plan import profile_steps
from itbs_geno.plan import prioritise
from itbs_geno.sources import claimants, detect
from itbs_geno.sources._ahead import in_background
from itbs_geno.sources.opener import open_text
from itbs_geno.sources.reader import Read, Wanted

if TYPE_CHECKING:
    from itbs_geno.labs import LabRow

# Lab sheets, profiles and merging several files are imported where they are used: a plain
# `call` of one file never needs them, and every module imported costs start-up time.


def analyse(path: str | Path, knowledge: Knowledge | None = None, *, assume_ref: bool = False,
            sample: str | None = None, lab_sheet: Path | None = None, person: PersonInput | None = None
            ) -> list[SampleResult]:
    """The whole answer for each sample in the file, in file order (consumer files hold one person):
    only `sample`, if named; with each person's results from `lab_sheet` judged and in the plan;
    with `person`: more files of the same person merged, outside calls applied, the profile used,
    and what changed since a previous report."""
    return list(each(path, knowledge, assume_ref=assume_ref, sample=sample, lab_sheet=lab_sheet, person=person))


def each(path: str | Path, knowledge: Knowledge | None = None, *, assume_ref: bool = False,
         sample: str | None = None, lab_sheet: Path | None = None, person: PersonInput | None = None
         ) -> Iterator[SampleResult]:
    """analyse(), one sample at a time, so that a cohort's results can be written as they are
    finished. The input is read and checked before this returns: any InputError is raised here,
    before the first result."""
    knowledge = knowledge or load_knowledge()
    person = person or PersonInput()
    rows = _read_sheet(lab_sheet, knowledge) if lab_sheet else []     # a bad sheet fails before the slow read
    extras = person.load(knowledge.genes)                                    # so do the person's own files
    results = select(read_calls(path, knowledge.genes, assume_ref, person.also), sample)
    if person.asks_for_one and len(results) > 1:
        raise InputError(f"{path}: holds {len(results)} samples; outside calls, a profile and --previous "
                         f"are for one person: choose one with --sample NAME")
    if extras.outside:
        results = [dataclasses.replace(r, findings=interpret(knowledge.genes, with_outside_calls(
            [f.call for f in r.findings], extras.outside))) for r in results]
    if lab_sheet:
        from itbs_geno import labs

        people = labs.match(rows, [{r.sample} for r in results], lab_sheet, alone=len(results) == 1)
    else:
        people = [[] for _ in results]
    return _finished(results, people, knowledge, extras.profile, person.today, extras.previous)


def _finished(results: list[SampleResult], people: "list[list[LabRow]]", knowledge: Knowledge,
              profile: Profile | None, today: dt.date | None, previous: dict[str, Any] | None
              ) -> Iterator[SampleResult]:
    """Each result finished (labs, plan, person) and compared with a previous report. What finish()
    adds depends only on the findings and the lab rows, so samples that share both (cohort samples
    with the same calls share one findings tuple, read_calls) share one judgement, made once."""
    judged: dict[tuple[int, int], tuple[Any, ...]] = {}
    for result, mine in zip(results, people, strict=True):
        # both held by `results` and `people` meanwhile; no lab rows are all alike
        key = (id(result.findings), id(mine) if mine else 0)
        if key not in judged:
            judged[key] = _judge(result.findings, knowledge, mine, profile, today)
        biomarkers, plan, who = judged[key]
        done = dataclasses.replace(result, biomarkers=biomarkers, plan=plan, person=who)
        yield done if previous is None else compare(done, knowledge, previous, today)


def finish(result: SampleResult, knowledge: Knowledge, lab_rows: "list[LabRow]", profile: Profile | None = None,
           today: dt.date | None = None) -> SampleResult:
    """The result with its lab results judged (by the person's sex, when known) and the plan that
    joins them with the genes, the person's own risk factors first."""
    biomarkers, plan, who = _judge(result.findings, knowledge, lab_rows, profile, today)
    return dataclasses.replace(result, biomarkers=biomarkers, plan=plan, person=who)


def _judge(findings: tuple[Finding, ...], knowledge: Knowledge, lab_rows: "list[LabRow]", profile: Profile | None,
           today: dt.date | None) -> tuple[tuple[BiomarkerResult, ...], tuple[PlanStep, ...], Person | None]:
    """What finish() adds: the judged lab results, the plan and the person."""
    biomarkers: tuple[BiomarkerResult, ...] = ()
    if lab_rows:
        from itbs_geno.labs import judge

        biomarkers = judge(lab_rows, knowledge.labs, profile.sex if profile else None)
    who = None
    if profile:
        from itbs_geno.profile import person as make_person

        who = make_person(profile, today or dt.date.today())
    # Under 18, genetic results must not shape training (Webborn et al. 2015): no gene sets a step.
    genetic = () if who and who.minor else findings
    plan = prioritise(knowledge, genetic, biomarkers, profile_steps(profile, knowledge.genes))
    return biomarkers, plan, who


def _read_sheet(lab_sheet: Path, knowledge: Knowledge) -> "list[LabRow]":
    from itbs_geno import labs

    return labs.read_sheet(lab_sheet, knowledge.labs)


def select(results: list[SampleResult], sample: str | None) -> list[SampleResult]:
    if sample is None:
        return results
    chosen = [r for r in results if r.sample == sample]
    if not chosen:
        names = ", ".join(r.sample for r in results[:10])
        raise InputError(f'no sample named "{sample}" in the file; its samples are: {names}')
    return chosen


def read_calls(path: str | Path, panel: Panel, assume_ref: bool = False,
               also: Sequence[Path] = ()) -> list[SampleResult]:
    """Read, call and interpret: each sample's findings, before labs and plan. `also`: more files
    of the same one person, merged site by site (merge.py)."""
    people = call_file(Path(path), panel, assume_ref)
    if not also:
        # Samples with the same calls share one list (call_file): interpret each list once.
        interpreted: dict[int, tuple[Finding, ...]] = {}   # keyed on id(): `people` holds every list meanwhile
        for _, _, calls in people:
            if id(calls) not in interpreted:
                interpreted[id(calls)] = interpret(panel, calls)
        return [SampleResult(sample, source, interpreted[id(calls)]) for sample, source, calls in people]
    files = [people, *(call_file(Path(p), panel, assume_ref) for p in also)]
    for found in files:
        if len(found) != 1:
            raise InputError(f"{found[0][1].path}: holds {len(found)} samples; several files are merged only "
                             f"when each holds one person")
    from itbs_geno.merge import merge

    sample, source, _ = people[0]
    merged = merge([(f[0][1], f[0][2]) for f in files])
    return [SampleResult(sample, source, interpret(panel, merged), sources=tuple(f[0][1] for f in files))]


def call_file(path: Path, panel: Panel, assume_ref: bool = False) -> list[tuple[str, Source, list[Call]]]:
    """Each sample's name, the file's Source and the sample's calls at every panel marker. Every
    reader answers the same protocol (sources/reader.py), so nothing here depends on which one."""
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        # Hashed on a second core while the file is read (started once the opener has checked that the
        # path is a regular file: opening a FIFO would block the thread).
        sha256 = in_background(lambda: _sha256(path))
        reader = detect(path, opened.head, opened.refusal)
        found = reader.read(path, opened, Wanted.from_panel(panel))
    assume_ref = assume_ref and found.variant_only
    source = _source(path, found, sha256(), (ASSUME_REF_WARNING,) if assume_ref else ())
    # A cohort's reader gives samples with the same calls the same RawCall objects (vcf_calls.rows_for):
    # calling depends only on the rows, so samples whose rows are the very same objects share one call
    # list; and rows that differ only in what calling drops (0|1 against 1|0) give equal calls, shared too.
    called: dict[tuple[int, ...], list[Call]] = {}     # keyed on id(): found.rows holds every row meanwhile
    alike: dict[tuple[Call, ...], list[Call]] = {}
    people = []
    for sample in found.samples:
        rows = found.rows[sample]
        key = tuple(map(id, rows))
        if key not in called:
            calls = call_panel(panel, rows, source.build, source.strand, assume_ref)
            called[key] = alike.setdefault(tuple(calls), calls)
        people.append((sample, source, called[key]))
    return people


def _source(path: Path, found: Read, sha256: str, warnings: tuple[str, ...]) -> Source:
    return Source(str(path), path.name, found.format, found.label, found.compression, found.member, found.build,
                  found.build_basis, sha256, found.variants, found.no_calls, found.layout, found.strand,
                  found.samples, found.index, found.warnings + warnings)


WHOLE_FILE_HASH_LIMIT = 256 << 20     # consumer downloads are ~30 MB; WGS VCFs are GBs
_EDGE = 16 << 20
_HASH_READ = 1 << 20


def _sha256(path: Path) -> str:
    """SHA-256 of the file; for a file over 256 MiB (a whole-genome VCF) of its size, first and
    last 16 MiB instead, marked "partial:", so an indexed 30 GB VCF is not read end to end."""
    size = path.stat().st_size
    # 1 MiB at a time (no more than the file): hashed beside the reading (sources/_ahead.in_background),
    # the thread needs the interpreter lock once per read (file_digest's 256 KiB: 4x as often), and it
    # adds at most 1 MiB to the reader's peak memory.
    buffer = memoryview(bytearray(max(1, min(_HASH_READ, size))))
    with open(path, "rb") as fh:
        if size <= WHOLE_FILE_HASH_LIMIT:
            digest = hashlib.sha256()
            while read := fh.readinto(buffer):
                digest.update(buffer[:read])
            return digest.hexdigest()
        digest = hashlib.sha256(str(size).encode())
        for start in (0, size - _EDGE):
            fh.seek(start)
            left = _EDGE
            while left and (read := fh.readinto(buffer[:left])):
                digest.update(buffer[:read])
                left -= read
        return "partial:" + digest.hexdigest()
