"""One prioritised plan from genes (what you are built with) and lab markers (where you are today).

First where a gene and a marker point the same way, then markers off target (worst
first), then genes in a category the panel marks for a plan (most notable first); with no
lab sheet, the suggested first tests. Pure functions: no I/O, no HTML.
"""

from collections.abc import Sequence

from itbs_geno.interpret import gene_category
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import BiomarkerResult, Finding, PlanStep

# When to start on a blood marker, by how far it is off target (severity in biomarkers.toml).
_WHEN = {3: "First: see a doctor about this result", 2: "This week", 1: "Over the next 8–12 weeks"}
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}


def prioritise(knowledge: Knowledge, findings: Sequence[Finding],
               biomarkers: Sequence[BiomarkerResult]) -> tuple[PlanStep, ...]:
    panel, lab_panel = knowledge.genes, knowledge.labs
    genes = {g.symbol: gene_category(panel, g, findings) for g in panel.genes}
    labs = {b.marker: b for b in biomarkers}
    steps, covered_markers, covered_genes = [], set(), set()
    for combo in lab_panel.combinations:
        result = labs.get(combo.marker)
        if genes.get(combo.gene) in combo.gene_categories and result and result.band in combo.bands:
            marker, gene = lab_panel.markers[combo.marker], panel.gene(combo.gene)
            steps.append(PlanStep("combination", f"{gene.symbol} and {marker.name} point the same way",
                                  combo.text, "Start now", marker.plan_without + gene.plan_without,
                                  marker.plan_with + gene.plan_with, marker.safety,
                                  _retest(result, marker.retest_days), combo.evidence, combo.citations,
                                  gene=gene.symbol, marker=marker.id))
            covered_markers.add(combo.marker)
            covered_genes.add(combo.gene)
    off_target = [b for b in biomarkers if b.in_target is False and b.marker not in covered_markers]
    for result in sorted(off_target, key=lambda b: -(b.severity or 0)):
        marker = lab_panel.markers[result.marker]
        band = next(x for x in marker.bands if x.id == result.band)
        steps.append(PlanStep("biomarker", f"{marker.name}: {band.label.lower()}", band.says,
                              _WHEN.get(result.severity or 0, "Over the next 8–12 weeks"),
                              marker.plan_without, marker.plan_with, marker.safety,
                              _retest(result, marker.retest_days), marker=marker.id))
    for category in panel.plan_categories:
        for gene in panel.genes:
            if genes[gene.symbol] == category and gene.symbol not in covered_genes:
                meta = panel.categories[category]
                steps.append(PlanStep("gene", f"{gene.symbol}: {meta.label.lower()}",
                                      f"{meta.description} A gene like this is a weak risk modifier, "
                                      f"not a diagnosis.",
                                      "Over the next 8–12 weeks", gene.plan_without, gene.plan_with,
                                      gene=gene.symbol))
    if not biomarkers and lab_panel.first_step:
        names = [lab_panel.markers[m].name for m in lab_panel.first_step]
        count = _NUMBERS.get(len(names), str(len(names)))
        tests = "This inexpensive blood test often finds" if len(names) == 1 else \
            f"These {count} inexpensive blood tests often find"
        steps.append(PlanStep("first-step", "Suggested next step: " + ", ".join(names),
                              f"{tests} something correctable in runners whose soft-tissue pain keeps coming "
                              "back. Add the results with --labs to see them judged against athlete targets in "
                              "this report.",
                              "This week"))
    return tuple(steps)


def _retest(result: BiomarkerResult, days: int) -> str:
    when = f" (around {result.retest_on.isoformat()})" if result.retest_on else ""
    return f"Retest after about {round(days / 7)} weeks{when}."
