"""`call --json`: the JSON list of every sample's result, written one sample at a time.

The text is exactly json.dumps([as_json(r, panel) for r in results], indent=2) (tests/test_cohort.py),
but each sample is printed as soon as it is finished, so a cohort of thousands is never held as
text or as JSON objects. Samples of a cohort with the same calls share their findings, plan and
source (pipeline.each): their JSON differs only in the sample's name and the person's name made
from it, so the rest of the text is made once per distinct result and reused.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from itbs_geno.first_screen import person_name
from itbs_geno.json_text import IndentedJson
from itbs_geno.model import SampleResult
from itbs_geno.panel_model import Panel
from itbs_geno.result_json import as_json

_NAMED = ("sample", "person")          # as_json's first two keys: the only ones made from the sample's name
_INNER = "\n    "                      # a key of a sample in the list sits two levels deep
_SHARED_FIELDS = tuple(name for name in SampleResult.__dataclass_fields__ if name != "sample")


class _Texts:
    """Each sample's indented text, the part after its names kept per distinct result."""

    def __init__(self, panel: Panel, ensure_ascii: bool, today: dt.date):
        self.panel, self.today = panel, today
        self.encoder = IndentedJson(ensure_ascii=ensure_ascii)
        # keyed on the id() of every field but the name; the result kept in the value keeps those ids taken
        self.rest: dict[tuple[int, ...], tuple[SampleResult, str | None]] = {}

    def text(self, result: SampleResult) -> str:
        key = tuple(id(getattr(result, name)) for name in _SHARED_FIELDS)
        if key not in self.rest:
            whole = as_json(result, self.panel, today=self.today)
            if tuple(whole)[:2] != _NAMED:
                self.rest[key] = (result, None)            # a changed contract: write each sample whole
            else:
                rest = {k: v for k, v in whole.items() if k not in _NAMED}
                self.rest[key] = (result, self.encoder.dumps(rest, depth=1)[1:] if rest else None)
        tail = self.rest[key][1]
        if tail is None:
            return self.encoder.dumps(as_json(result, self.panel, today=self.today), depth=1)
        names = [f'"sample": {self.encoder.dumps(result.sample)},',
                 f'"person": {self.encoder.dumps(person_name(result))},']
        return "{" + _INNER + _INNER.join(names) + tail


def write(results: Iterable[SampleResult], panel: Panel, say: Callable[[str], None], ensure_ascii: bool = True,
          today: dt.date | None = None) -> None:
    """Print the list line by line through `say`, each sample as soon as it comes (the comma after
    a sample is known when the next one arrives)."""
    texts = _Texts(panel, ensure_ascii, today or dt.date.today())
    say("[")
    pending: str | None = None
    for result in results:
        if pending is not None:
            say(pending + ",")
        pending = "  " + texts.text(result)
    if pending is not None:
        say(pending)
    say("]")
