"""The whole flow for one input: detect, read the panel sites, call, interpret."""

import dataclasses
import hashlib
from pathlib import Path

from itbs_geno import labs
from itbs_geno.calling import ASSUME_REF_WARNING, call_panel
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.labs import load_lab_panel
from itbs_geno.model import Call, SampleResult, Source
from itbs_geno.panel import Panel, load_panel
from itbs_geno.sources import claimants, detect
from itbs_geno.sources.opener import open_text
from itbs_geno.sources.reader import Read, Wanted


def analyse(path: str | Path, panel: Panel | None = None, assume_ref: bool = False) -> list[SampleResult]:
    """One result per sample in the file, in file order (consumer files hold one person)."""
    panel = panel or load_panel()
    return [SampleResult(sample, source, interpret(panel, calls))
            for sample, source, calls in read_calls(Path(path), panel, assume_ref)]


def read_calls(path: Path, panel: Panel, assume_ref: bool = False) -> list[tuple[str, Source, list[Call]]]:
    """Each sample's name, the file's Source and the sample's calls at every panel marker."""
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        reader = detect(path, opened.head, opened.refusal)
        found = reader.read(path, opened, Wanted.from_panel(panel))
    assume_ref = assume_ref and found.variant_only
    source = _source(path, found, (ASSUME_REF_WARNING,) if assume_ref else ())
    return [(sample, source, call_panel(panel, found.rows[sample], source.build, source.strand, assume_ref))
            for sample in found.samples]


def _source(path: Path, found: Read, warnings: tuple[str, ...]) -> Source:
    return Source(str(path), path.name, found.format, found.label, found.compression, found.member, found.build,
                  found.build_basis, _sha256(path), found.variants, found.no_calls, found.layout, found.strand,
                  found.samples, found.index, found.warnings + warnings)


def attach_labs(results: list[SampleResult], sheet: Path, panel: Panel) -> list[SampleResult]:
    """Judge the lab sheet and attach each person's biomarker results to their sample."""
    lab_panel = load_lab_panel(panel)
    rows = labs.read_sheet(sheet, lab_panel)
    if len(results) > 1 and not any(r.athlete for r in rows):
        raise InputError(f"{sheet}: the file holds {len(results)} samples but the lab sheet has no athlete "
                         f"column to match them; add one with each sample's name")
    alone = len(results) == 1
    return [dataclasses.replace(r, biomarkers=labs.judge(labs.for_sample(rows, r.sample, sheet, alone), lab_panel))
            for r in results]


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
