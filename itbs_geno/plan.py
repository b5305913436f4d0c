"""One plan from genes (what you are built with) and lab markers (where you are today), in time bands.

Each step gets a band (when to start) and, inside a band, keeps priority order: where a gene and
a marker point the same way; then markers off target, worst first; then genes in a category the
panel marks for a plan (most notable first); then the basics every runner with ITBS can start on;
with no lab sheet, the suggested first tests. Retests come last, at the next blood test. Pure
functions: no I/O, no HTML.
"""

from collections.abc import Sequence

from itbs_geno.interpret import gene_category
from itbs_geno.knowledge import Knowledge
from itbs_geno.lab_model import LabPanel
from itbs_geno.model import BiomarkerResult, Finding, PlanItem, PlanStep

# The plan's time bands, in reading order: id -> heading.
BANDS = {"this-week": "This week", "next-4-weeks": "Next 4 weeks", "weeks-5-12": "Weeks 5–12",
         "next-blood-test": "At your next blood test"}
# When to start on a blood marker, by how far it is off target (severity in biomarkers.toml).
_BAND_BY_SEVERITY = {3: "this-week", 2: "this-week", 1: "next-4-weeks"}
_WHEN = {3: "This week: see a doctor about this result", 2: "This week", 1: "Within the next 4 weeks"}
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}
BASICS = 3                      # how many of the general principles the "start now" step names


def prioritise(knowledge: Knowledge, findings: Sequence[Finding], biomarkers: Sequence[BiomarkerResult],
               leading: Sequence[PlanStep] = ()) -> tuple[PlanStep, ...]:
    """`leading`: steps from the person (person_plan.py), put before everything in their band."""
    panel, lab_panel = knowledge.genes, knowledge.labs
    # A low-quality call keeps its genotype on the page but does not set a plan: confirm it first.
    trusted = [f for f in findings if not f.call.low_quality]
    genes = {g.symbol: gene_category(panel, g, trusted) for g in panel.genes}
    labs = {b.marker: b for b in biomarkers}
    steps, covered_markers, covered_genes = list(leading), set(), set()
    for combo in lab_panel.combinations:
        result = labs.get(combo.marker)
        if genes.get(combo.gene) in combo.gene_categories and result and result.band in combo.bands:
            marker, gene = lab_panel.markers[combo.marker], panel.gene(combo.gene)
            steps.append(PlanStep("combination", f"{gene.symbol} and {_short(marker.name)} point the same way",
                                  combo.text, "This week", marker.plan_without + gene.plan_without,
                                  marker.plan_with + gene.plan_with, marker.safety, "", combo.evidence,
                                  combo.citations, gene=gene.symbol, marker=marker.id, band="this-week"))
            covered_markers.add(combo.marker)
            covered_genes.add(combo.gene)
    off_target = [b for b in biomarkers if b.in_target is False and b.marker not in covered_markers]
    for result in sorted(off_target, key=lambda b: -(b.severity or 0)):
        marker = lab_panel.markers[result.marker]
        band = next(x for x in marker.bands if x.id == result.band)
        steps.append(PlanStep("biomarker", f"{_short(marker.name)}: {_lower_first(band.label)}", band.says,
                              _WHEN.get(result.severity or 0, "Within the next 4 weeks"),
                              marker.plan_without, marker.plan_with, marker.safety, "",
                              marker=marker.id, citations=marker.citations[:1],
                              band=_BAND_BY_SEVERITY.get(result.severity or 0, "next-4-weeks")))
    for rank, category in enumerate(panel.plan_categories):
        for gene in panel.genes:
            if genes[gene.symbol] == category and gene.symbol not in covered_genes:
                meta = panel.categories[category]
                mine = ", ".join(str(f.call.genotype) for f in trusted
                                 if f.call.gene == gene.symbol and f.category == category)
                steps.append(PlanStep("gene", f"{gene.symbol}: {meta.label.lower()}",
                                      f"Because your {gene.symbol} genotype ({mine}) is in the "
                                      f"“{meta.label.lower()}” group. A gene like this nudges risk a little; "
                                      f"it is not a diagnosis.",
                                      "An 8–12 week block, starting within 4 weeks" if rank == 0 else
                                      "Weeks 5–12, once the first block is running", gene.plan_without,
                                      gene.plan_with, gene=gene.symbol,
                                      band="next-4-weeks" if rank == 0 else "weeks-5-12"))
    # The best-supported general principles first (the panel's evidence rank), so "look at the hip" leads.
    principles = sorted(panel.guidance.principles, key=lambda p: panel.evidence[p.evidence].rank)[:BASICS]
    if principles:
        steps.append(PlanStep("basics", "Start with what helps any runner with ITBS",
                              "The best-supported of the principles below: they hold whatever your genes say.",
                              "This week", tuple(PlanItem(p.title, p.evidence, p.citations) for p in principles),
                              band="this-week"))
    if not biomarkers and lab_panel.first_step:
        markers = [lab_panel.markers[m] for m in lab_panel.first_step]
        names = [m.name for m in markers]
        count = _NUMBERS.get(len(names), str(len(names)))
        short = ", ".join(_short(n) for n in names)
        asked = "a blood test" if len(names) == 1 else f"{count} blood tests"
        steps.append(PlanStep("first-step", f"Ask for {asked}: {short}", lab_panel.first_step_why, "This week",
                              band="this-week", evidence="practice",
                              citations=tuple(dict.fromkeys(m.citations[0] for m in markers if m.citations))))
    retests = [b for b in biomarkers if b.retest_on or b.in_target is False]
    if retests:
        steps.append(PlanStep("retest", "Retest", _retests(retests, lab_panel), "At your next blood test",
                              band="next-blood-test"))
    order = list(BANDS)
    return tuple(sorted(steps, key=lambda s: order.index(s.band)))


def _retests(results: Sequence[BiomarkerResult], lab_panel: LabPanel) -> str:
    """When to test each marker again; the report marks the dates already past on the day it is made."""
    parts = []
    for b in results:
        weeks = round(lab_panel.markers[b.marker].retest_days / 7)
        around = f" (around {b.retest_on.isoformat()})" if b.retest_on else ""
        parts.append(f"{_short(b.name)}: about {weeks} weeks after the last test{around}")
    return "; ".join(parts) + "."


def _short(name: str) -> str:
    """A lab marker's name without its gloss: "Ferritin (iron stores)" -> "Ferritin"."""
    return name.split(" (")[0]


def _lower_first(label: str) -> str:
    """"Low iron stores" -> "low iron stores", but "AHA/CDC average" keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label
