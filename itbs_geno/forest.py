"""A forest plot per gene, as display values: one row per study record, odds ratios and their
95% CIs on a log axis, pooled estimates as diamonds, the line of no effect at OR = 1, and the
rows whose contrast includes the reader's genotype marked. The template draws it as inline SVG."""

import math
from typing import Any

from itbs_geno.evidence import Study
from itbs_geno.panel_model import Gene

AXIS_MIN, AXIS_MAX = 0.05, 20.0       # odds ratios beyond these are drawn as arrows at the edge
WIDTH = 300                           # SVG units of the axis
PAD = 10                              # room for the arrowheads and caps at both ends
TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10)
FINDING_WORDS = {"higher": "more often in the injured", "lower": "less often in the injured",
                 "none": "no difference found", "unclear": "direction or significance not recorded"}
# Laboratory and imaging records say "higher" of their own measure, not of injury.
OTHER_WORDS = {"higher": "higher or more often in {what}", "lower": "lower or less often in {what}",
               "none": "no difference in {what}", "unclear": "direction or significance not recorded"}


def _finding(study: Study) -> str:
    if study.outcome == "injury":
        return FINDING_WORDS[study.finding]
    return OTHER_WORDS[study.finding].format(what=study.injury) + f" ({study.outcome}, not an injury)"


def x_of(odds_ratio: float) -> float:
    """Horizontal position of an odds ratio on the log axis, clamped to the axis."""
    clamped = min(max(odds_ratio, AXIS_MIN), AXIS_MAX)
    share = math.log(clamped / AXIS_MIN) / math.log(AXIS_MAX / AXIS_MIN)
    return round(PAD + share * WIDTH, 1)


def _or_text(study: Study) -> str:
    if study.odds_ratio is None:
        return f"OR not reported; {_finding(study)}"
    if study.ci is None:
        return f"OR {study.odds_ratio:.2f} (CI not reported)"
    interval = study.ci_text or f"{study.ci[0]:.2f}–{study.ci[1]:.2f}"
    return f"OR {study.odds_ratio:.2f} ({interval})"


def _row(study: Study, yours: str | None) -> dict[str, Any]:
    row = {
        "label": study.label, "design": study.design, "injury": study.injury, "population": study.population,
        "size": study.size, "contrast": study.contrast, "or_text": _or_text(study),
        "finding": _finding(study), "pooled": study.pooled, "subgroup": study.subgroup,
        "outcome": study.outcome, "note": study.note,
        "yours": yours is not None and yours in study.exposed,
        "plotted": study.odds_ratio is not None, "whisker": study.ci is not None,
    }
    if study.odds_ratio is not None:
        x = x_of(study.odds_ratio)
        row.update(x=x, diamond=f"{x - 7},12 {x},5 {x + 7},12 {x},19")
    if study.ci is not None:
        low, high = study.ci
        row.update(x_low=x_of(low), x_high=x_of(high), clipped_low=low < AXIS_MIN, clipped_high=high > AXIS_MAX)
    return row


def forest(gene: Gene, yours: dict[str, str | None]) -> dict[str, Any] | None:
    """The plot for one gene; `yours` maps marker id -> the reader's genotype (None if not called)."""
    groups: list[dict[str, Any]] = [
        {"marker": m.name, "rsid": m.rsid, "yours": yours.get(m.id),
         "rows": [_row(s, yours.get(m.id)) for s in m.studies]} for m in gene.markers if m.studies]
    if not groups:
        return None
    return {
        "id": gene.symbol, "groups": groups, "width": WIDTH + 2 * PAD, "x_null": x_of(1.0),
        "ticks": [{"x": x_of(t), "label": f"{t:g}"} for t in TICKS],
        "rows": sum(len(g["rows"]) for g in groups),
    }
