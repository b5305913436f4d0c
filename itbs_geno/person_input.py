"""What a report may be told about the person beyond one genotype file: more files of the same
person, a profile, outside calls and a previous report. Each is read and checked before the slow
read of the genotype file, so a typo in one of them costs nothing."""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbs_geno import changes
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import Profile, SampleResult
from itbs_geno.outside import OutsideRow, read_outside_calls
from itbs_geno.panel_model import Panel
from itbs_geno.profile import read_profile
from itbs_geno.result_json import as_json


@dataclass(frozen=True)
class Extras:
    profile: Profile | None = None
    outside: tuple[OutsideRow, ...] = ()
    previous: dict[str, Any] | None = None


@dataclass(frozen=True)
class PersonInput:
    also: tuple[Path, ...] = ()               # more genotype files of the same person
    profile_path: Path | None = None
    outside_path: Path | None = None
    previous_path: Path | None = None
    profile: Profile | None = None            # already read (a roster row), instead of profile_path
    today: dt.date | None = None              # the report date [default: today]

    @property
    def asks_for_one(self) -> bool:
        return bool(self.profile_path or self.outside_path or self.previous_path or self.profile)

    def load(self, panel: Panel) -> Extras:
        return Extras(read_profile(self.profile_path) if self.profile_path else self.profile,
                      read_outside_calls(self.outside_path, panel) if self.outside_path else (),
                      changes.read_report_json(self.previous_path) if self.previous_path else None)


def compare(result: SampleResult, knowledge: Knowledge, previous: dict[str, Any],
            today: dt.date | None) -> SampleResult:
    """The result with what changed since the `previous` report's JSON."""
    now = as_json(result, knowledge.genes, today=today)
    found = changes.between(previous, now, changes.load_changelog(knowledge.genes))
    return dataclasses.replace(result, changes=found)
