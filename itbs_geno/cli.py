"""The command line: options in, one pipeline call, output out. Exit codes live here only."""

import datetime as dt
import json
from pathlib import Path

import click

from itbs_geno import __version__
from itbs_geno.errors import InputError
from itbs_geno.model import SampleResult
from itbs_geno.output import write_atomic
from itbs_geno.panel import load_panel
from itbs_geno.pipeline import analyse


class BadInput(click.ClickException):
    exit_code = 2                       # click's default is 1; DESIGN.md wants 2 for bad input


class Cli(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as err:
            raise BadInput(str(err)) from None


INPUT = click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itbs-geno")
def cli():
    """ITBS and soft-tissue injury genotypes from a consumer DNA file, offline.

    Reads a 23andMe or AncestryDNA download (.txt, .zip or .gz, as the vendor gave
    it), finds the panel's markers and writes a report. Nothing leaves this computer.
    """


@cli.command()
@INPUT
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="HTML report to write [default: <sample>.itbs.html here].")
@click.option("--json", "json_path", type=click.Path(path_type=Path),
              help="Also write the JSON twin of the report here.")
def report(input_path: Path, output: Path | None, json_path: Path | None):
    """Write the HTML risk-and-plan report for INPUT.

    \b
    Example:
        itbs-geno report genome_Jane_Doe_v5_Full.zip -o jane.html --json jane.json
    """
    from itbs_geno import render

    panel = load_panel()
    result = _one_sample(analyse(input_path, panel))
    output = output or Path(f"{result.sample}.itbs.html")
    write_atomic(output, render.html(result, panel, dt.date.today()))
    if json_path:
        write_atomic(json_path, json.dumps(render.as_json(result, panel), indent=2, ensure_ascii=False) + "\n")
    click.echo(f"Wrote {output}" + (f" and {json_path}" if json_path else ""), err=True)


@cli.command()
@INPUT
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (one object per sample) instead of a table.")
def call(input_path: Path, as_json: bool):
    """Print the panel genotypes found in INPUT.

    \b
    Example:
        itbs-geno call genome.zip
        itbs-geno call genome.zip --json > calls.json
    """
    from itbs_geno.render import as_json as to_json

    panel = load_panel()
    results = analyse(input_path, panel)
    if as_json:
        click.echo(json.dumps([to_json(r, panel) for r in results], indent=2, ensure_ascii=False))
        return
    for result in results:
        _print_table(["gene", "marker", "rsid", "status", "genotype", "via", "result", "remark"],
                     [[f.call.gene, _marker_name(panel, f.call.marker_id), f.call.rsid, str(f.call.status),
                       str(f.call.genotype) if f.call.genotype else "-", f.call.via or "-",
                       f.category or "-", f.call.flag or "; ".join(f.call.notes)]
                      for f in result.findings])


@cli.command()
def panel():
    """List the markers, alleles and evidence the tool uses.

    \b
    Example:
        itbs-geno panel
    """
    data = load_panel()
    click.echo(f"itbs-geno panel {data.version} ({data.date})")
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
    """Describe INPUT: format, compression, build, variant count and call rate.

    \b
    Example:
        itbs-geno inspect genome.zip
    """
    panel = load_panel()
    for result in analyse(input_path, panel):
        s = result.source
        found = sum(1 for f in result.findings if f.call.status != "not-tested")
        for key, value in [("sample", result.sample), ("format", f"{s.format_label} ({s.layout} columns)"),
                           ("compression", s.compression + (f", member {s.member}" if s.member else "")),
                           ("build", s.build or "undecided"), ("build decided", s.build_basis),
                           ("variants", f"{s.variants}"), ("no-calls", f"{s.no_calls}"),
                           ("call rate", "n/a" if s.call_rate is None else f"{s.call_rate:.4f}"),
                           ("panel sites found", f"{found} of {len(result.findings)}"),
                           *[("warning", w) for w in s.warnings]]:
            click.echo(f"{key:<18}{value}")


def _one_sample(results: list[SampleResult]) -> SampleResult:
    if len(results) != 1:
        raise InputError(f"the file holds {len(results)} samples; this command takes one")
    return results[0]


def _marker_name(panel, marker_id: str) -> str:
    return next(m.name for m in panel.markers if m.id == marker_id)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table on stdout: readable by people, splittable by tools (two spaces)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


def main() -> None:
    cli(prog_name="itbs-geno")
