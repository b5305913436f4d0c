"""`report`: one input's results -> the HTML report, its JSON twin and PDF, per sample.

Paths are decided and checked before anything is written: an input is never overwritten,
no two outputs share a path, and several samples need a folder.
"""

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from itbs_geno import render
from itbs_geno.errors import InputError
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import SampleResult
from itbs_geno.output import safe_names, write_atomic
from itbs_geno.result_json import as_json


def write(results: list[SampleResult], knowledge: Knowledge, input_path: Path, output: str | None,
          json_path: str | None, pdf_path: str | None, labs_path: Path | None, shareable: bool,
          person: str | None = None, other_inputs: Sequence[Path | None] = ()) -> list[Path]:
    """Write each sample's outputs; returns the paths written, in order. `person`: the name for
    the report's title (else read from the file); `other_inputs`: more files read (the person's
    other genotype files, profile, outside calls, previous report), never to be overwritten."""
    if len(results) > 1 and not (output and is_folder(output)):
        names = ", ".join(r.sample for r in results[:5]) + (", …" if len(results) > 5 else "")
        raise InputError(f"{input_path}: the file holds {len(results)} samples ({names}); choose one with "
                         f"--sample NAME, or give -o DIR/ for one report per sample")
    today = dt.date.today()
    written = []
    for result, name in zip(results, safe_names([r.sample for r in results]), strict=True):
        html_path = _target(output, name, ".html") if output else Path(f"{name}.itbs.html")
        json_target = _target(json_path, name, ".json") if json_path else None
        pdf_target = _target(pdf_path, name, ".pdf") if pdf_path else None
        _refuse_overwriting_inputs([html_path, json_target, pdf_target], [input_path, labs_path, *other_inputs])
        write_atomic(html_path, render.html(result, knowledge, today, person), shareable)
        written.append(html_path)
        if json_target:
            data = as_json(result, knowledge.genes, person, today)
            text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
            write_atomic(json_target, text + "\n", shareable)
            written.append(json_target)
        if pdf_target:
            from itbs_geno.pdf import print_pdf  # Chromium is looked for only when a PDF is asked for

            print_pdf(html_path, pdf_target, shareable)
            written.append(pdf_target)
    return written


def _refuse_overwriting_inputs(outputs: list[Path | None], inputs: list[Path | None]) -> None:
    """Inputs are never overwritten, and no output overwrites another (-o X --json X)."""
    given = {p.resolve() for p in inputs if p is not None and p.exists()}
    taken: set[Path] = set()
    for out in outputs:
        if out is None:
            continue
        if out.resolve() in given:
            raise InputError(f"{out}: is one of the inputs; choose another output path (inputs are never overwritten)")
        if out.resolve() in taken:
            raise InputError(f"{out}: is named for two outputs (HTML, JSON or PDF); give each its own path")
        taken.add(out.resolve())


def is_folder(path: str) -> bool:
    """A folder that exists, or a path written with a trailing slash (kept as text: Path drops it)."""
    return path.endswith(("/", "\\")) or Path(path).is_dir()


def _target(path: str, name: str, suffix: str) -> Path:
    if not is_folder(path):
        return Path(path)
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{path}: cannot create the folder ({err.strerror}); choose another output path") from None
    return Path(path) / f"{name}{suffix}"
