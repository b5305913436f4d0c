"""The command line: options in, one pipeline call, output out. Exit codes live here only.

The pipeline, panel and renderer are imported inside the commands that use them, so
`--help` and `--version` load click and nothing else."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from itbs_geno import __version__
from itbs_geno.errors import InputError, visible
from itbs_geno.output import safe_names, write_atomic

if TYPE_CHECKING:
    from itbs_geno.model import SampleResult


class BadInput(click.ClickException):
    exit_code = 2                       # click's default is 1; DESIGN.md wants 2 for bad input


class Cli(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as err:
            # Messages quote file names and lines from the input: never let them drive the terminal.
            raise BadInput(visible(str(err))) from None
        except (KeyboardInterrupt, Terminated) as stop:
            # Outputs are renamed into place only when complete, so nothing is half-written.
            click.echo(f"{'Interrupted' if isinstance(stop, KeyboardInterrupt) else 'Terminated'}: every output "
                       f"is either its old or its new version; none is half-written.", err=True)
            sys.exit(130 if isinstance(stop, KeyboardInterrupt) else 143)


class Terminated(BaseException):
    """SIGTERM (a `kill`, a shutdown), raised where the program is, so temporary files are removed
    on the way out as for Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


def say(text: str = "") -> None:
    """One line on standard output. A full disk or a closed pipe there is not a traceback: a
    closed pipe (`| head`) means the reader has what it wanted; anything else is one line, exit 2."""
    try:
        click.echo(text)
    except OSError as err:
        _silence_stdout()
        if err.errno == errno.EPIPE:
            sys.exit(0)
        raise InputError(f"could not write to standard output ({err.strerror or err})") from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the flush at exit cannot fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _stdout_takes_unicode() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") in ("utf8", "utf8sig")


# readable=False: our own check says in one line what is wrong (click's would print a usage block).
INPUT = click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, readable=False))


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itbs-geno")
def cli():
    """ITBS and soft-tissue injury genotypes from a consumer DNA file, offline.

    Reads a 23andMe, AncestryDNA, MyHeritage, FamilyTreeDNA or LivingDNA download
    (.txt, .csv, .zip or .gz, as the vendor gave it), a generic genotype table, or a
    VCF/BCF, finds the panel's markers and writes a report. Nothing leaves this computer.
    """


SAMPLE = click.option("--sample", help="Only this sample of a multi-sample VCF.")
SHAREABLE = click.option("--shareable", is_flag=True,
                         help="Make the outputs readable by other users (default: owner only, mode 0600).")
ASSUME_REF = click.option("--assume-ref", is_flag=True,
                          help="VCF only: read a panel site with no record as homozygous reference "
                               "(for variant-only VCFs from whole-genome calling; marked in the output).")


@cli.command()
@INPUT
@click.option("-o", "--output", type=click.Path(),
              help="HTML report to write, or a folder (ending in /) for one report per sample "
                   "[default: <sample>.itbs.html here].")
@click.option("--json", "json_path", type=click.Path(),
              help="Also write the JSON twin of the report here (a folder for one per sample).")
@click.option("--labs", "labs_path", type=click.Path(path_type=Path, readable=False),
              help="A lab sheet (CSV: marker,value,unit[,date][,athlete][,ref_low,ref_high]) to judge "
                   "and join with the genes into one plan.")
@click.option("--pdf", "pdf_path", type=click.Path(),
              help="Also print the report to this PDF (a folder for one per sample); needs Chromium or Chrome.")
@SAMPLE
@ASSUME_REF
@SHAREABLE
def report(input_path: Path, output: str | None, json_path: str | None, labs_path: Path | None,
           pdf_path: str | None, sample: str | None, assume_ref: bool, shareable: bool):
    """Write the HTML risk-and-plan report for INPUT.

    A multi-sample VCF needs --sample NAME, or -o DIR/ for one report per sample.

    \b
    Example:
        itbs-geno report genome_Jane_Doe_v5_Full.zip -o jane.html --json jane.json
        itbs-geno report genome.zip --labs my_labs.csv -o report.html --pdf report.pdf
        itbs-geno report squad.vcf.gz -o reports/
    """
    from itbs_geno import render
    from itbs_geno.labs import load_lab_panel
    from itbs_geno.panel import load_panel
    from itbs_geno.pipeline import analyse, attach_labs

    panel = load_panel()
    results = _select(analyse(input_path, panel, assume_ref), sample)
    if labs_path:
        results = attach_labs(results, labs_path, panel)
    if len(results) > 1 and not (output and _is_folder(output)):
        names = ", ".join(r.sample for r in results[:5]) + (", …" if len(results) > 5 else "")
        raise InputError(f"{input_path}: the file holds {len(results)} samples ({names}); choose one with "
                         f"--sample NAME, or give -o DIR/ for one report per sample")
    today = dt.date.today()
    lab_panel = load_lab_panel(panel)
    written = []
    for result, name in zip(results, safe_names([r.sample for r in results])):
        html_path = _target(output, name, ".html") if output else Path(f"{name}.itbs.html")
        json_target = _target(json_path, name, ".json") if json_path else None
        pdf_target = _target(pdf_path, name, ".pdf") if pdf_path else None
        _refuse_overwriting_inputs([html_path, json_target, pdf_target], [input_path, labs_path])
        write_atomic(html_path, render.html(result, panel, today, lab_panel), shareable)
        written.append(html_path)
        if json_target:
            write_atomic(json_target, json.dumps(render.as_json(result, panel), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                         shareable)
            written.append(json_target)
        if pdf_target:
            from itbs_geno.pdf import print_pdf

            print_pdf(html_path, pdf_target, shareable)
            written.append(pdf_target)
    click.echo("Wrote " + ", ".join(str(p) for p in written), err=True)


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


def _is_folder(path: str) -> bool:
    """A folder that exists, or a path written with a trailing slash (kept as text: Path drops it)."""
    return path.endswith(("/", "\\")) or Path(path).is_dir()


def _target(path: str, name: str, suffix: str) -> Path:
    if not _is_folder(path):
        return Path(path)
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{path}: cannot create the folder ({err.strerror}); choose another output path") from None
    return Path(path) / f"{name}{suffix}"


def _select(results: list[SampleResult], sample: str | None) -> list[SampleResult]:
    if sample is None:
        return results
    chosen = [r for r in results if r.sample == sample]
    if not chosen:
        names = ", ".join(r.sample for r in results[:10])
        raise InputError(f'no sample named "{sample}" in the file; its samples are: {names}')
    return chosen


@cli.command()
@INPUT
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (one object per sample) instead of a table.")
@SAMPLE
@ASSUME_REF
def call(input_path: Path, as_json: bool, sample: str | None, assume_ref: bool):
    """Print the panel genotypes found in INPUT.

    \b
    Example:
        itbs-geno call genome.zip
        itbs-geno call genome.zip --json > calls.json
    """
    from itbs_geno.panel import load_panel
    from itbs_geno.pipeline import analyse
    from itbs_geno.render import as_json as to_json

    panel = load_panel()
    results = _select(analyse(input_path, panel, assume_ref), sample)
    if as_json:
        # One sample at a time, so a cohort's JSON is never held whole (same text as dumping the list).
        say("[")
        for i, r in enumerate(results):
            text = json.dumps(to_json(r, panel), indent=2, ensure_ascii=not _stdout_takes_unicode(), allow_nan=False)
            say(textwrap.indent(text, "  ") + ("," if i < len(results) - 1 else ""))
        say("]")
        return
    for result in results:
        if len(results) > 1:
            say(f"# sample {visible(result.sample)}")
        _print_table(["gene", "marker", "rsid", "status", "genotype", "via", "result", "remark"],
                     [[f.call.gene, panel.marker(f.call.marker_id).name, f.call.rsid, str(f.call.status),
                       str(f.call.genotype) if f.call.genotype else "-", f.call.via or "-",
                       f.category or "-", f.call.flag or "; ".join(f.call.notes)]
                      for f in result.findings])


@cli.command()
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@click.option("-o", "--outdir", type=click.Path(path_type=Path), required=True,
              help="Folder for <athlete>.html/.json and team.html, team.csv, team.json.")
@click.option("--jobs", type=click.IntRange(min=1),
              help="Worker processes [default: all cores; at most one per input and 4 per core].")
@click.option("--roster", "roster_path", type=click.Path(path_type=Path, readable=False),
              help="CSV mapping file or sample to athlete_id and name, plus any free columns.")
@click.option("--labs", "labs_path", type=click.Path(path_type=Path, readable=False),
              help="Team lab sheet with an athlete column (athlete id, name or sample).")
@click.option("--coach-view", is_flag=True, help="Also write team_coach.html/.csv: result tiers only, no genotypes.")
@click.option("--scheduler", help="Run on a Dask cluster (tcp://HOST:PORT) instead of local processes.")
@click.option("--remote-inputs", is_flag=True,
              help="Allow INPUTs given as fsspec URLs (s3://, https://, ftp://…), downloaded by the process that "
                   "reads each. Without it a URL is refused: nothing reaches the network unless asked.")
@click.option("--strict", is_flag=True, help="Stop at the first input that fails (exit 2).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@ASSUME_REF
@SHAREABLE
def batch(inputs: tuple[str, ...], outdir: Path, jobs: int | None, roster_path: Path | None,
          labs_path: Path | None, coach_view: bool, scheduler: str | None, remote_inputs: bool, strict: bool,
          quiet: bool, assume_ref: bool, shareable: bool):
    """Process a squad: one report per athlete plus a team summary.

    INPUT may be files, folders (searched recursively for genotype files), multi-sample
    VCFs (one athlete per sample) or, with --remote-inputs, fsspec URLs. A failing input is
    listed in team.html and team.json, and the others complete. Exit code: 0 when every
    input was read, 3 when some failed, 2 for bad usage, 143 when stopped by SIGTERM.

    \b
    Example:
        itbs-geno batch downloads/ squad.vcf.gz -o team/ --roster roster.csv --labs team_labs.csv
    """
    from itbs_geno import batch as batches
    from itbs_geno import cluster, outdirs, team
    from itbs_geno.labs import load_lab_panel
    from itbs_geno.panel import load_panel
    from itbs_geno.roster import read_roster

    # Everything is checked before any input is read or any output written.
    if scheduler:
        cluster.check_scheduler(scheduler)
    batches.refuse_urls(inputs, remote_inputs)
    panel = load_panel()
    lab_panel = load_lab_panel(panel)
    roster = read_roster(roster_path, team.builtin_columns(panel, lab_panel)) if roster_path else None
    lab_rows = batches.read_team_labs(labs_path, lab_panel) if labs_path else None
    items, skipped = batches.expand(inputs, outdir)
    if not items:
        raise InputError(f"no input files found in {', '.join(inputs)}")
    workers = batches.pool_size(jobs or batches.default_jobs(), len(items))
    if jobs and workers < jobs and not scheduler:
        click.echo(f"Note: --jobs {jobs} lowered to {workers} worker process(es): at most one per input "
                   f"and {batches.WORKERS_PER_CORE} per core.", err=True)
    show = not quiet and sys.stderr.isatty()
    with outdirs.locked(outdir):
        with click.progressbar(length=len(items), label="Reading", file=sys.stderr) if show else _NoBar() as bar:
            outcomes = batches.run(items, workers, assume_ref, scheduler, strict, tick=lambda: bar.update(1),
                                   remote_inputs=remote_inputs)
        result = batches.assemble(items, outcomes, panel, roster, lab_rows, skipped)
        written = team.write(result, outdir, panel, dt.date.today(), coach_view, shareable)
    for failure in result.failures:
        click.echo(f"FAILED {visible(failure.message)}", err=True)
    if written.kept:
        click.echo(f"Kept from an earlier run for inputs that failed now (not updated): {_some(written.kept)}", err=True)
    if written.removed:
        click.echo(f"Removed outputs of an earlier run that this run did not write: {_some(written.removed)}", err=True)
    click.echo(f"{len(result.athletes)} athlete report(s) and the team summary in {outdir}"
               + (f"; {len(result.failures)} input(s) failed (listed in team.html)" if result.failures else ""),
               err=True)
    if result.failures:
        sys.exit(batches.EXIT_SOME_FAILED)


def _some(names: list[str], shown: int = 6) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more (listed in team.json)" if len(names) > shown else "")


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


@cli.command()
def panel():
    """List the markers, alleles and evidence the tool uses.

    \b
    Example:
        itbs-geno panel
    """
    from itbs_geno.panel import load_panel

    data = load_panel()
    say(f"itbs-geno panel {data.version} ({data.date})")
    rows = []
    for m in data.markers:
        literature = " ".join(f"{name}={plus}" for name, plus in m.literature_alleles)
        rows.append([m.gene, m.name, m.rsid, f"chr{m.chromosome}", str(m.positions["GRCh37"]),
                     str(m.positions["GRCh38"]), f"{m.ref}>{m.alt}", literature,
                     "yes" if m.palindromic else "no",
                     ", ".join(sorted({data.evidence[r.evidence]["label"] for r in m.genotypes.values()}))])
    _print_table(["gene", "marker", "rsid", "chrom", "GRCh37", "GRCh38", "ref>alt", "papers=plus",
                  "palindromic", "evidence"], rows)


@cli.command()
@INPUT
def inspect(input_path: Path):
    """Describe INPUT: format, compression, build and how it was decided, variants, call rate,
    samples, index, and which panel sites were found.

    \b
    Example:
        itbs-geno inspect genome.zip
    """
    from itbs_geno.panel import load_panel
    from itbs_geno.pipeline import analyse

    panel = load_panel()
    results = analyse(input_path, panel)
    s = results[0].source
    rows = [("format", s.format_label + (f" ({s.layout} columns)" if s.layout else "")),
            ("compression", s.compression + (f", member {s.member}" if s.member else "")),
            ("index", s.index or "none (read in one pass)"),
            ("build", s.build or "undecided"), ("build decided", s.build_basis),
            ("strand", {"declared": "plus, declared by the file", "documented": "plus, per the vendor",
                        "assumed": "plus, assumed (the file does not say)"}[s.strand]),
            ("variants", "not counted (read through the index)" if s.variants is None else str(s.variants)),
            ("no-calls", "n/a" if s.no_calls is None else str(s.no_calls)),
            ("call rate", "n/a" if s.call_rate is None else f"{s.call_rate:.4f}"),
            ("samples", f"{len(results)}"),
            *[("warning", w) for w in s.warnings]]
    for result in results:
        found = [f.call.rsid for f in result.findings if f.call.status != "not-tested"]
        rows.append(("panel sites found", f"{result.sample}: {len(found)} of {len(result.findings)}"
                     + (f" ({', '.join(found)})" if found else "")))
    for key, value in rows:
        say(visible(f"{key:<18}{value}"))


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table on stdout: readable by people, splittable by tools (two spaces)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        say(visible("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()))


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    if hasattr(sys.stdout, "reconfigure"):
        # A terminal or pipe in latin-1 or ASCII gets "\u2212" for a character it cannot show.
        sys.stdout.reconfigure(errors="backslashreplace")
    cli(prog_name="itbs-geno")
