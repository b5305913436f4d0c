"""The command-line parts about the person behind the file: the report's --profile,
--outside-calls and --previous options, and `itbs-geno diff`. Click only; the work is in
profile.py, outside.py and changes.py (imported when a command runs)."""

import json
from pathlib import Path

import click

from itbs_geno.terminal import say

_FILE = click.Path(path_type=Path, readable=False)


def PERSON_OPTIONS(command):
    """--profile, --outside-calls and --previous, passed on as profile_path, outside_path, previous_path."""
    for option in reversed([
        click.option("--profile", "profile_path", type=_FILE,
                     help="A profile (TOML): name, sex, birth_year, weekly_km, longest_run_km, [[injuries]], "
                          "race_date. Sets sex-specific lab bands, puts your own risk factors first in the plan "
                          "and dates it to the race."),
        click.option("--outside-calls", "outside_path", type=_FILE,
                     help="Lab-confirmed genotypes (TSV: marker, genotype, source, date); each fills or "
                          "replaces the file's call, and a disagreement is shown."),
        click.option("--previous", "previous_path", type=_FILE,
                     help="The JSON twin of an earlier report: adds \"What changed since\" to the plan."),
    ]):
        command = option(command)
    return command


@click.command()
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON instead of text.")
def diff(old: Path, new: Path, as_json: bool):
    """Print what changed between two reports' JSON twins (OLD first): results whose category
    or evidence changed with the panel (and why), new or lost calls, lab values and their trend.

    \b
    Example:
        itbs-geno diff spring.json autumn.json
        itbs-geno diff spring.json autumn.json --json
    """
    from itbs_geno import changes
    from itbs_geno.panel import load_panel

    found = changes.between(changes.read_report_json(old), changes.read_report_json(new),
                            changes.load_changelog(load_panel()))
    if as_json:
        say(json.dumps(changes.as_json(found), indent=2, ensure_ascii=False))
        return
    for line in changes.as_text(found):
        say(line)
