"""Read calls through the panel: the category, evidence and words for each genotype."""

from collections.abc import Iterable, Sequence

from itbs_geno.model import Call, Finding, Status
from itbs_geno.panel_model import Gene, Panel

RARE_ALLELE = ("This genotype carries a repeat length the studies did not compare (they looked only at "
               "the two common lengths), so nothing can be said about it.")


def interpret(panel: Panel, calls: Iterable[Call]) -> tuple[Finding, ...]:
    findings = []
    for call in calls:
        if call.status is not Status.CALLED:
            findings.append(Finding(call, None, None, None))
            continue
        rule = panel.marker(call.marker_id).genotypes.get(str(call.genotype))
        if rule is None:                     # a rare repeat length the studies did not compare
            findings.append(Finding(call, "uncertain", None, str(call.genotype), RARE_ALLELE))
            continue
        findings.append(Finding(call, rule.category, rule.evidence, rule.literature, rule.meaning,
                                rule.effect, rule.population, rule.citations))
    return tuple(findings)


def gene_category(panel: Panel, gene: Gene, findings: Sequence[Finding]) -> str | None:
    """The most notable category (panel.toml's rank) among the gene's called markers; None when none was called."""
    found = {f.category for f in findings if f.call.gene == gene.symbol and f.category}
    return next((c for c in panel.by_notability if c in found), None)


def counted(panel: Panel, findings: Sequence[Finding]) -> list[Finding]:
    """The findings in a category the panel counts (higher risk in the studies); a low-quality
    call keeps its genotype and category but is not counted."""
    return [f for f in findings if f.category and panel.categories[f.category].counted and not f.call.low_quality]
