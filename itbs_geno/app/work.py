"""What the app's forms do: the same calls as `report` and `batch`, into the request's private
folder, with everything the person may save read back into memory (the folder is then deleted).
Messages name the person's files as they chose them, never the temporary folder."""

import contextlib
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from itbs_geno.app.uploads import Form
from itbs_geno.errors import InputError, visible
from itbs_geno.output import safe_names


@dataclass
class Made:
    """One answer, kept in memory while the app runs: the files by name, and which one to show."""
    kind: str                                    # "person" or "squad"
    title: str
    shown: str                                   # the file shown in the page
    files: dict[str, bytes]
    notes: tuple[str, ...] = ()
    extra: dict[str, bytes] = field(default_factory=dict)    # made on demand (the PDF, the zip)


@contextlib.contextmanager
def private_folder(root: Path) -> Iterator[Path]:
    """A folder only this user can enter, removed on the way out whatever happened."""
    folder = Path(tempfile.mkdtemp(prefix="req-", dir=root))     # mkdtemp makes it 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ours(folder: Path) -> re.Pattern[bytes]:
    """The private folder's part of a path: the folder, then the upload's slot or the output folder."""
    return re.compile(re.escape(str(folder)).encode() + rb"[/\\](?:\d+[/\\]|out[/\\]|team[/\\])?")


def one_line(err: InputError, folder: Path) -> str:
    """The CLI's message, naming the person's files as they chose them."""
    return visible(_ours(folder).sub(b"", str(err).encode()).decode())


def scrubbed(name: str, data: bytes, folder: Path) -> bytes:
    """An output as the person keeps it: file names as they chose them (the JSON, CSV and the
    spreadsheet record each input's path), never the temporary folder they were read from."""
    if not name.endswith(".xlsx"):
        return data if name.endswith(".pdf") else _ours(folder).sub(b"", data)
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in source.infolist():
            copy.writestr(member, _ours(folder).sub(b"", source.read(member)))
    return buffer.getvalue()


def person(form: Form, folder: Path) -> Made:
    from itbs_geno import reports
    from itbs_geno.first_screen import person_name
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.person_input import PersonInput
    from itbs_geno.pipeline import analyse

    dna = form.files.get("dna", [])
    if not dna:
        raise InputError("choose your DNA file (the download from 23andMe, AncestryDNA, MyHeritage, "
                         "FamilyTreeDNA or LivingDNA, or a VCF)")
    knowledge, labs, out = load_knowledge(), form.one("labs"), folder / "out"
    out.mkdir(mode=0o700)
    extras = PersonInput(tuple(dna[1:]), form.one("profile"), form.one("outside"), form.one("previous"))
    results = analyse(dna[0], knowledge, sample=form.text("sample") or None, lab_sheet=labs, person=extras)
    html, js = out / "report.html", out / "report.json"
    name = form.text("name") or next((r.person.profile.name for r in results if r.person), None)
    reports.write(results, knowledge, dna[0], str(html), str(js), None, labs, False, name,
                  [*dna[1:], extras.profile_path, extras.outside_path, extras.previous_path])
    stem = safe_names([name or results[0].sample])[0]
    files = {f"{stem}.itbs.html": html.read_bytes(), f"{stem}.itbs.json": js.read_bytes()}
    return Made("person", f"Report for {person_name(results[0], name)}", f"{stem}.itbs.html",
                {n: scrubbed(n, data, folder) for n, data in files.items()})


def squad(form: Form, folder: Path) -> Made:
    from itbs_geno import squad as squads
    from itbs_geno.terminal import progress_bar

    genomes = form.files.get("genomes", [])
    if not genomes:
        raise InputError("choose the squad's DNA files (several at once), or one VCF with several samples")
    outdir = folder / "team"
    options = squads.BatchOptions(tuple(str(p) for p in genomes), outdir, jobs=1, roster_path=form.one("roster"),
                                  labs_path=form.one("labs"), coach_view=form.text("coach_view") == "yes",
                                  group_by=form.text("group_by") or None, pdf=form.text("pdf") == "yes")
    run = squads.run(options, progress_bar(quiet=True))
    files = {p.relative_to(outdir).as_posix(): scrubbed(p.name, p.read_bytes(), folder)
             for p in sorted(outdir.rglob("*")) if p.is_file() and not p.name.startswith(".")}
    notes = (*run.notes, *(f"Failed: {m}" for m in (f.message for f in run.batch.failures)))
    count = f"{len(run.batch.athletes)} athlete(s)"
    return Made("squad", f"Squad: {count}", "team.html", files, tuple(one_line(InputError(n), folder) for n in notes))


def zipped(made: Made) -> bytes:
    """Everything the squad run wrote, in one zip (team/...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in made.files.items():
            archive.writestr(f"team/{name}", data)
    return buffer.getvalue()


def pdf_of(made: Made, root: Path) -> bytes:
    """The shown report printed by Chromium (as `report --pdf`), in a private folder."""
    from itbs_geno.pdf import print_pdf

    with private_folder(root) as folder:
        html = folder / "report.html"
        html.write_bytes(made.files[made.shown])
        print_pdf(html, folder / "report.pdf")
        return (folder / "report.pdf").read_bytes()
