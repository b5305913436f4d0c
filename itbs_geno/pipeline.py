"""The whole flow for one input: detect, read the panel sites, call, interpret, judge the labs and
build the plan. The result is the whole answer: render, team output and JSON only print it."""

import dataclasses
import hashlib
from pathlib import Path

from itbs_geno import build as builds
from itbs_geno import labs
from itbs_geno.calling import call_panel
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.knowledge import Knowledge, load_knowledge
from itbs_geno.labs import LabRow
from itbs_geno.model import RawCall, SampleResult, Source, Tally
from itbs_geno.panel import Panel
from itbs_geno.plan import prioritise
from itbs_geno.sources import claimants, detect, vcf
from itbs_geno.sources._table import read_rows
from itbs_geno.sources.opener import open_text

_DOWNLOAD_SUFFIXES = (".gz", ".zip", ".txt", ".csv", ".tsv", ".vcf", ".bcf", ".bgz")
ASSUMED_STRAND = ("The file does not say which strand its genotypes are on; the plus strand is assumed. "
                  "Sites with non-complementary alleles are checked against their alleles, but a "
                  "palindromic site (A/T or C/G) cannot be checked.")


def analyse(path: str | Path, knowledge: Knowledge | None = None, *, assume_ref: bool = False,
            sample: str | None = None, lab_sheet: Path | None = None) -> list[SampleResult]:
    """The whole answer for each sample in the file, in file order (consumer files hold one person):
    only `sample`, if named; with each person's results from `lab_sheet` judged and in the plan."""
    knowledge = knowledge or load_knowledge()
    rows = labs.read_sheet(lab_sheet, knowledge.labs) if lab_sheet else []   # a bad sheet fails before the slow read
    results = select(read_calls(path, knowledge.genes, assume_ref), sample)
    people = labs.match(rows, [{r.sample} for r in results], lab_sheet, alone=len(results) == 1) if lab_sheet \
        else [[] for _ in results]
    return [finish(result, knowledge, mine) for result, mine in zip(results, people, strict=True)]


def finish(result: SampleResult, knowledge: Knowledge, lab_rows: list[LabRow]) -> SampleResult:
    """The result with its lab results judged and the plan that joins them with the genes."""
    biomarkers = labs.judge(lab_rows, knowledge.labs)
    return dataclasses.replace(result, biomarkers=biomarkers,
                               plan=prioritise(knowledge, result.findings, biomarkers))


def select(results: list[SampleResult], sample: str | None) -> list[SampleResult]:
    if sample is None:
        return results
    chosen = [r for r in results if r.sample == sample]
    if not chosen:
        names = ", ".join(r.sample for r in results[:10])
        raise InputError(f'no sample named "{sample}" in the file; its samples are: {names}')
    return chosen


def read_calls(path: str | Path, panel: Panel, assume_ref: bool = False) -> list[SampleResult]:
    """Read, call and interpret: each sample's findings, before labs and plan."""
    path = Path(path)
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        if opened.refusal and not vcf.sniff(opened.head):
            raise opened.refusal                # text no consumer file has, in its first lines
        reader = detect(path, opened.head)
        if reader is not vcf:
            tally, layout = Tally(), reader.layout(opened.head)
            rows = list(read_rows(opened.lines, panel.sites, tally, layout))
            head, compression, member = opened.head, opened.compression, opened.member
    if reader is vcf:
        return _analyse_vcf(path, panel, assume_ref)
    if tally.variants == 0:
        raise InputError(f"{path}: the file has a {reader.LABEL} header but no genotype rows; "
                         f"download the raw data again")
    build, basis, warnings = builds.decide(builds.from_data(rows, panel.markers), builds.from_header(head))
    if tally.malformed:
        warnings += (f"{tally.malformed} row(s) did not have the expected columns and were skipped.",)
    if reader.STRAND == "assumed":
        warnings += (ASSUMED_STRAND,)
    source = Source(str(path), path.name, reader.NAME, reader.LABEL, compression, member, build, basis,
                    _sha256(path), tally.variants, tally.no_calls, layout.name, reader.STRAND,
                    (sample_name(path),), None, warnings)
    return [_result(sample_name(path), source, rows, panel)]


def _analyse_vcf(path: Path, panel: Panel, assume_ref: bool) -> list[SampleResult]:
    found = vcf.read(path, panel, assume_ref)
    warnings = found.warnings
    if found.build and found.build not in panel.builds:
        warnings += (f"The file is on {found.build}, for which the panel has no positions; a VCF is "
                     f"matched by position, so no panel site could be read.",)
    if assume_ref:
        warnings += ("--assume-ref: a panel site with no record in the VCF is taken to be homozygous "
                     "reference; such calls are marked.",)
    source = Source(str(path), path.name, found.format.lower(), found.format, found.compression, None,
                    found.build, found.build_basis, _sha256(path), found.records, None, "",
                    vcf.STRAND, found.samples, found.index, warnings)
    return [_result(sample, source, found.rows[sample], panel) for sample in found.samples]


def _result(sample: str, source: Source, rows: list[RawCall], panel: Panel) -> SampleResult:
    calls = call_panel(panel, rows, source.build, source.strand)
    return SampleResult(sample, source, interpret(panel, calls))


def sample_name(path: Path) -> str:
    """The file name without its download suffixes: genome_Jane_v5_Full.zip -> genome_Jane_v5_Full."""
    name = path.name
    while name.lower().endswith(_DOWNLOAD_SUFFIXES):
        name = name[: name.rfind(".")]
    return name or path.name


WHOLE_FILE_HASH_LIMIT = 256 << 20     # consumer downloads are ~30 MB; WGS VCFs are GBs
_EDGE = 16 << 20


def _sha256(path: Path) -> str:
    """SHA-256 of the file; for a file over 256 MiB (a whole-genome VCF) of its size, first and
    last 16 MiB instead, marked "partial:", so an indexed 30 GB VCF is not read end to end."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if size <= WHOLE_FILE_HASH_LIMIT:
            return hashlib.file_digest(fh, "sha256").hexdigest()
        digest = hashlib.sha256(str(size).encode())
        digest.update(fh.read(_EDGE))
        fh.seek(size - _EDGE)
        digest.update(fh.read(_EDGE))
        return "partial:" + digest.hexdigest()
