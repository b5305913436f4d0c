"""The whole flow for one input: detect, read the panel sites, call, interpret."""

import hashlib
from pathlib import Path

from itbs_geno import build as builds
from itbs_geno.calling import call_panel
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.model import SampleResult, Source, Tally
from itbs_geno.panel import Panel, load_panel
from itbs_geno.sources import claimants, detect
from itbs_geno.sources.opener import open_text

_DOWNLOAD_SUFFIXES = (".gz", ".zip", ".txt", ".csv", ".tsv")


def analyse(path: str | Path, panel: Panel | None = None) -> list[SampleResult]:
    """One result per sample in the file (consumer files hold one person)."""
    panel = panel or load_panel()
    path = Path(path)
    with open_text(path, claims=lambda head: bool(claimants(head))) as opened:
        reader = detect(path, opened.head)
        tally = Tally()
        rows = list(reader.read(opened.lines, opened.head, panel.sites, tally))
        head, compression, member = opened.head, opened.compression, opened.member
    if tally.variants == 0:
        raise InputError(f"{path}: the file has a {reader.LABEL} header but no genotype rows; "
                         f"download the raw data again")
    build, basis, warnings = builds.decide(builds.from_header(head), builds.from_data(rows, panel.markers))
    if tally.malformed:
        warnings += (f"{tally.malformed} row(s) did not have the expected columns and were skipped.",)
    source = Source(str(path), path.name, reader.NAME, reader.LABEL, compression, member, build, basis,
                    _sha256(path), tally.variants, tally.no_calls, reader.layout(head), warnings)
    findings = interpret(panel, call_panel(panel, rows, build))
    return [SampleResult(sample_name(path), source, findings)]


def sample_name(path: Path) -> str:
    """The file name without its download suffixes: genome_Jane_v5_Full.zip -> genome_Jane_v5_Full."""
    name = path.name
    while name.lower().endswith(_DOWNLOAD_SUFFIXES):
        name = name[: name.rfind(".")]
    return name or path.name


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
