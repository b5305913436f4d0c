"""The command line: options in, one pipeline call, output out. Exit codes live here only.

The pipeline, panel and renderer are imported inside the commands that use them, so
`--help` and `--version` load click and nothing else."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from itbs_geno import __version__
from itbs_geno.cli_person import PERSON_OPTIONS, diff
from itbs_geno.errors import InputError, visible
from itbs_geno.terminal import StdoutClosed, print_table, progress_bar, say, some, stdout_takes_unicode


class BadInput(click.ClickException):
    exit_code = 2                       # click's default is 1; DESIGN.md wants 2 for bad input


EXIT_BUG = 1
BUG = ("this is a bug in itbs-geno, please report it with the command you ran "
       "(--debug, or ITBS_GENO_DEBUG=1, shows the traceback)")


class Cli(click.Group):
    """Every outcome becomes an exit code here, and only here: a command returns its code (0 when
    it returns nothing), bad input is 2 with one line, a bug in our code is 1 with one line."""

    def invoke(self, ctx: click.Context):
        try:
            code = super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise                               # click's own usage errors and exits
        except InputError as err:
            # Messages quote file names and lines from the input: never let them drive the terminal.
            raise BadInput(visible(str(err))) from None
        except StdoutClosed:
            ctx.exit(0)                         # `| head` has what it wanted
        except (KeyboardInterrupt, Terminated) as stop:
            # Outputs are renamed into place only when complete, so nothing is half-written.
            click.echo(f"{'Interrupted' if isinstance(stop, KeyboardInterrupt) else 'Terminated'}: every output "
                       f"is either its old or its new version; none is half-written.", err=True)
            ctx.exit(130 if isinstance(stop, KeyboardInterrupt) else 143)
        except Exception as err:
            if ctx.params.get("debug") or os.environ.get("ITBS_GENO_DEBUG", "") not in ("", "0"):
                raise
            text = visible(f"{type(err).__name__}: {err}")
            click.echo(f"itbs-geno: internal error ({text[:300]}); {BUG}", err=True)
            ctx.exit(EXIT_BUG)
        ctx.exit(code or 0)


class Terminated(BaseException):
    """SIGTERM (a `kill`, a shutdown), raised where the program is, so temporary files are removed
    on the way out as for Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


# readable=False: our own check says in one line what is wrong (click's would print a usage block).
INPUT = click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, readable=False))


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itbs-geno")
@click.option("--debug", is_flag=True, help="On an internal error, show the traceback (also ITBS_GENO_DEBUG=1).")
def cli(debug: bool):
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
@click.argument("input_paths", metavar="INPUT...", nargs=-1, required=True,
                type=click.Path(path_type=Path, readable=False))
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
@click.option("--name", help="The person's name for the report's title [default: read from the file or VCF sample].")
@SAMPLE
@ASSUME_REF
@SHAREABLE
@PERSON_OPTIONS
def report(input_paths: tuple[Path, ...], output: str | None, json_path: str | None, labs_path: Path | None,
           pdf_path: str | None, name: str | None, sample: str | None, assume_ref: bool, shareable: bool, **person):
    """Write the HTML risk-and-plan report for INPUT; several INPUTs are files of one person, merged.

    A multi-sample VCF needs --sample NAME, or -o DIR/ for one report per sample.

    \b
    Example:
        itbs-geno report genome_Jane_Doe_v5_Full.zip -o jane.html --json jane.json
        itbs-geno report genome.zip --labs my_labs.csv -o report.html --pdf report.pdf
        itbs-geno report squad.vcf.gz -o reports/
    """
    from itbs_geno import reports
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.person_input import PersonInput
    from itbs_geno.pipeline import analyse

    knowledge, (input_path, *also) = load_knowledge(), input_paths
    results = analyse(input_path, knowledge, assume_ref=assume_ref, sample=sample, lab_sheet=labs_path,
                      person=PersonInput(tuple(also), **person))
    written = reports.write(results, knowledge, input_path, output, json_path, pdf_path, labs_path, shareable,
                            name or next((r.person.profile.name for r in results if r.person), None),
                            [*also, *person.values()])
    click.echo("Wrote " + ", ".join(str(p) for p in written), err=True)


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
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.pipeline import analyse, each

    knowledge = load_knowledge()
    panel = knowledge.genes
    if as_json:
        # Each sample written as it is finished (same text as dumping the list): call_json.py.
        from itbs_geno import call_json

        call_json.write(each(input_path, knowledge, assume_ref=assume_ref, sample=sample), panel, say,
                        ensure_ascii=not stdout_takes_unicode())
        return
    results = analyse(input_path, knowledge, assume_ref=assume_ref, sample=sample)
    for result in results:
        if len(results) > 1:
            say(f"# sample {visible(result.sample)}")
        print_table(["gene", "marker", "rsid", "status", "genotype", "via", "result", "remark"],
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
@click.option("--today", metavar="YYYY-MM-DD",
              help="The run date retests are due or overdue against [default: today]; fix it to reproduce a run.")
@click.option("--group-by", "group_by", metavar="COLUMN",
              help="Group the team tables by this roster column (squad, event group, sex…), with counts.")
@click.option("--pdf", "pdf", is_flag=True, help="Also print team.html (and the coach view) to PDF, A4 landscape.")
@ASSUME_REF
@SHAREABLE
def batch(inputs: tuple[str, ...], outdir: Path, jobs: int | None, roster_path: Path | None,
          labs_path: Path | None, coach_view: bool, scheduler: str | None, remote_inputs: bool, strict: bool,
          quiet: bool, today: str | None, group_by: str | None, pdf: bool, assume_ref: bool, shareable: bool):
    """Process a squad: one report per athlete plus a team summary.

    INPUT may be files, folders (searched recursively for genotype files), multi-sample
    VCFs (one athlete per sample) or, with --remote-inputs, fsspec URLs. A failing input is
    listed in team.html and team.json, and the others complete. Exit code: 0 when every
    input was read, 3 when some failed, 2 for bad usage, 143 when stopped by SIGTERM.

    \b
    Example:
        itbs-geno batch downloads/ squad.vcf.gz -o team/ --roster roster.csv --labs team_labs.csv
    """
    from itbs_geno import squad
    from itbs_geno.batch import EXIT_SOME_FAILED

    options = squad.BatchOptions(inputs, outdir, jobs, roster_path, labs_path, coach_view, scheduler,
                                 remote_inputs, strict, assume_ref, shareable, today, group_by, pdf)
    run = squad.run(options, progress_bar(quiet))
    done = run.batch
    for line in run.notes:
        click.echo(line, err=True)
    for failure in done.failures:
        click.echo(f"FAILED {visible(failure.message)}", err=True)
    if run.written.kept:
        click.echo(f"Kept from an earlier run for inputs that failed now (not updated): {some(run.written.kept)}",
                   err=True)
    if run.written.removed:
        click.echo(f"Removed outputs of an earlier run that this run did not write: {some(run.written.removed)}",
                   err=True)
    click.echo(f"{len(done.athletes)} athlete report(s) and the team summary in {outdir}"
               + (f"; {len(done.failures)} input(s) failed (listed in team.html)" if done.failures else ""),
               err=True)
    return EXIT_SOME_FAILED if done.failures else 0


@cli.command()
def panel():
    """List the markers, alleles and evidence the tool uses.

    \b
    Example:
        itbs-geno panel
    """
    from itbs_geno import describe
    from itbs_geno.panel import load_panel

    data = load_panel()
    say(f"itbs-geno panel {data.version} ({data.date})")
    print_table(*describe.panel_table(data))


@cli.command()
@INPUT
def inspect(input_path: Path):
    """Describe INPUT: format, compression, build and how it was decided, variants, call rate,
    samples, index, and which panel sites were found.

    \b
    Example:
        itbs-geno inspect genome.zip
    """
    from itbs_geno import describe
    from itbs_geno.panel import load_panel
    from itbs_geno.pipeline import read_calls

    for key, value in describe.file_rows(read_calls(input_path, load_panel())):
        say(visible(f"{key:<18}{value}"))


cli.add_command(diff)


@cli.command()
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open the browser.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=200, show_default=True,
              help="Refuse uploads larger than this (413).")
@click.option("--idle-minutes", type=click.FloatRange(min=0.01), default=30, show_default=True,
              help="Stop after this long without a request.")
def app(no_browser: bool, max_upload_mb: int, idle_minutes: float):
    """Open the report and the squad summary in your browser, served from this computer only
    (127.0.0.1, with a secret token): choose the files on a page, no terminal needed.

    \b
    Example:
        itbs-geno app
        itbs-geno app --no-browser --idle-minutes 10
    """
    from itbs_geno.app import start

    return start(not no_browser, max_upload_mb, idle_minutes)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    if hasattr(sys.stdout, "reconfigure"):
        # A terminal or pipe in latin-1 or ASCII gets "\u2212" for a character it cannot show.
        sys.stdout.reconfigure(errors="backslashreplace")
    cli(prog_name="itbs-geno")
