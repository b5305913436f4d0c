"""SampleResult -> a plain view dict that the HTML template only prints.

The result already holds the whole answer (findings, lab results, plan); this module only
numbers the citations, words the values and lays them out in display order.
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from itbs_geno import __version__
from itbs_geno.charts import ancestry, genotype_plot, scale
from itbs_geno.first_screen import (
    THIS_WEEK_SHOWN,
    css_string,
    glance_rows,
    how_to_get,
    person_name,
    plan_bands,
    role_words,
    steps_by_subject,
)
from itbs_geno.forest import forest
from itbs_geno.interpret import counted, gene_category
from itbs_geno.knowledge import Knowledge
from itbs_geno.model import BiomarkerResult, Finding, PlanItem, PlanStep, SampleResult, Source, Status
from itbs_geno.panel_model import Gene, GuidanceItem, Marker, Panel
from itbs_geno.person_view import call_origin, person_view
from itbs_geno.result_json import as_json
from itbs_geno.templating import page

if TYPE_CHECKING:
    from itbs_geno.lab_model import LabMarker

__all__ = ["as_json", "html", "page", "view"]


class _Citations:
    """Numbers references in order of first citation, as the report's reference list does."""

    def __init__(self, panel: Panel):
        self.panel = panel
        self.order: list[str] = []

    def __call__(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        for key in keys:
            if key not in self.order:
                self.order.append(key)
        return [{"n": self.order.index(k) + 1, "key": k} for k in keys]

    def listing(self) -> list[dict[str, Any]]:
        refs = self.panel.references
        return [{"n": i + 1, "key": k, "text": refs[k].text, "link": refs[k].link,
                 "checked": refs[k].checked} for i, k in enumerate(self.order)]


def view(result: SampleResult, knowledge: Knowledge, today: dt.date, name: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as display-ready values in display order."""
    panel = knowledge.genes
    cite = _Citations(panel)
    findings = result.findings
    evidence = {k: v.label for k, v in panel.evidence.items()}
    bands = plan_bands(result.plan, lambda step: _step_view(step, cite, evidence, result.biomarkers, today))
    triggered = steps_by_subject(bands)
    glance = glance_rows(panel, findings, triggered)
    genes = [_gene_view(g, findings, panel, cite, evidence, triggered) for g in panel.genes]
    biomarkers = [_biomarker_view(b, knowledge.labs.markers[b.marker], cite, triggered)
                  for b in result.biomarkers]
    guidance = panel.guidance
    higher = counted(panel, findings)
    called = [f for f in findings if f.call.status is Status.CALLED]
    person = person_name(result, name)
    return {
        "sample": result.sample, "person": person, "title": f"ITBS genetics report for {person}",
        "footer_title": Markup(css_string(f"ITBS genetics report for {person}")),
        "date": today.isoformat(),
        "tool_version": __version__,
        "panel_version": panel.version,
        "panel_date": panel.date,
        "source": _source_view(result),
        "sites": [_site_view(f, panel) for f in findings],
        "glance": glance,
        "genes": genes,
        "summary": {
            "called": len(called), "total": len(findings),
            "higher": [f"{f.call.gene} {panel.marker(f.call.marker_id).name}" for f in higher],
            "low_quality": [f"{f.call.gene} {panel.marker(f.call.marker_id).name}" for f in called
                            if f.call.low_quality],
            "count_note": guidance.count_note,
            "itbs_note": guidance.itbs_note,
            "differs": [g["symbol"] for g in genes if g["verdict"] == "differs"],
        },
        "categories": [dataclasses.asdict(c) for c in panel.categories.values()],
        "evidence_levels": [dataclasses.asdict(e) for e in panel.evidence.values()],
        "bands": bands,
        "this_week": (bands[0]["steps"] if bands and bands[0]["id"] == "this-week" else [])[:THIS_WEEK_SHOWN],
        "labs_given": bool(result.biomarkers),
        "biomarkers": biomarkers,
        "principles": [_guidance_item(item, cite, evidence) for item in guidance.principles],
        "approaches": [_guidance_item(item, cite, evidence) for item in guidance.approaches],
        "disclaimer": guidance.disclaimer,
        "references": cite.listing(),
        **person_view(result),
    }


STRAND_WORDS = {
    "declared": "plus strand, as the file itself declares",
    "documented": "plus strand, as the vendor documents (the file does not say)",
    "assumed": "assumed to be the plus strand: the file does not say",
}


def _source_view(result: SampleResult) -> dict[str, Any]:
    s = result.source
    return {
        "name": s.name, "format": s.format_label, "layout": s.layout,
        "compression": {"none": "none (plain text)", "bgzf": "bgzip (BGZF)"}.get(s.compression, s.compression),
        "member": s.member, "build": s.build or "undecided", "build_basis": s.build_basis,
        "index": s.index, "samples": len(s.samples), "strand": STRAND_WORDS[s.strand],
        "counts": _counts(s), "sha256": s.sha256, "warnings": list(s.warnings),
    }


def _counts(s: Source) -> str:
    if s.variants is None:
        return "not counted: only the panel's regions were read, through the index"
    if s.no_calls is None:
        return f"{s.variants:,} records read"
    return f"{s.variants:,} rows, {s.no_calls:,} no-calls (call rate {s.call_rate:.2%})"


def _site_view(finding: Finding, panel: Panel) -> dict[str, Any]:
    call, marker = finding.call, panel.marker(finding.call.marker_id)
    return {
        "gene": call.gene, "marker": marker.name, "rsid": call.rsid, "status": str(call.status),
        "genotype": str(call.genotype) if call.genotype else "—", "via": call.via or "—",
        "proxy": call.proxy is not None, "flag": call.flag, "notes": list(call.notes),
        "low_quality": call.low_quality, "origin": call_origin(finding), "outside": call.outside is not None,
    }


def _gene_view(gene: Gene, findings: Sequence[Finding], panel: Panel, cite: _Citations,
               evidence: dict[str, str], triggered: dict[str, list[str]]) -> dict[str, Any]:
    mine = [f for f in findings if f.call.gene == gene.symbol]
    category = gene_category(panel, gene, mine)
    return {
        "symbol": gene.symbol, "title": gene.title, "role": gene.role,
        "itbs_evidence": gene.itbs_evidence, "popular_claim": gene.popular_claim,
        "verdict": gene.verdict, "citations": cite(gene.citations),
        "category": category, "category_label": panel.categories[category].label if category else "Not tested",
        "symbol_mark": panel.categories[category].symbol if category else "–",
        "markers": [_finding_view(f, panel.marker(f.call.marker_id), panel, cite, evidence) for f in mine],
        "does_mean": gene.does_mean, "does_not_mean": gene.does_not_mean,
        "role_words": role_words(gene), "steps": triggered.get(gene.symbol, []),
        "low_quality": any(f.call.low_quality for f in mine),
        "forest": forest(gene, {f.call.marker_id: str(f.call.genotype) if f.call.genotype else None for f in mine}),
    }


def _finding_view(finding: Finding, marker: Marker, panel: Panel, cite: _Citations,
                  evidence: dict[str, str]) -> dict[str, Any]:
    call = finding.call
    category = finding.category
    return {
        "name": marker.name, "rsid": marker.rsid, "status": str(call.status),
        "genotype": str(call.genotype) if call.genotype else None,
        "literature": finding.literature,
        "literature_alleles": ", ".join(f"{name} = {plus}" for name, plus in marker.literature_alleles),
        "strand_note": _strand_note(marker, panel),
        "palindromic": marker.palindromic,
        "category": category,
        "category_label": panel.categories[category].label if category else None,
        "category_symbol": panel.categories[category].symbol if category else None,
        "evidence": evidence.get(finding.evidence or ""),
        "meaning": finding.meaning, "effect": finding.effect, "population": finding.population,
        "citations": cite(finding.citations),
        "via": call.via, "proxy": call.proxy, "flag": call.flag, "notes": list(call.notes),
        "low_quality": call.low_quality, "how_to_get": how_to_get(marker), "origin": call_origin(finding),
        "outside": call.outside,
        "frequencies": [{"population": k, "value": f"{v:.2f}"} for k, v in marker.frequencies.items()],
        "genotype_plot": genotype_plot(marker, str(call.genotype) if call.genotype else None),
        "ancestry": ancestry(marker, str(call.genotype)) if call.genotype else None,
        "frequency_allele": marker.frequency_allele, "frequency_source": marker.frequency_source,
        "proxies": [{"rsid": p.rsid, "r2": "not documented" if p.r2 is None else f"{p.r2:g}",
                     "population": p.population, "used": p.r2 is not None and p.r2 >= panel.min_proxy_r2,
                     "source": p.source} for p in marker.proxies],
        "all_genotypes": [{"genotype": g, "literature": r.literature,
                           "label": panel.categories[r.category].label,
                           "symbol": panel.categories[r.category].symbol,
                           "yours": g == (str(call.genotype) if call.genotype else None)}
                          for g, r in marker.genotypes.items()],
    }


def _strand_note(marker: Marker, panel: Panel) -> str:
    gene = panel.gene(marker.gene)
    if marker.kind == "repeat":
        return ("The repeat is read by its length (the number of adenines), never by letters, so the strand "
                "does not change its name.")
    if gene.strand == "-":
        return ("The gene is read from the minus strand, so the papers' letters are the complement "
                "of the plus-strand letters in your file.")
    return "The gene is on the plus strand: the papers' letters are the letters in your file."


def _step_view(step: PlanStep, cite: _Citations, evidence: dict[str, str],
               biomarkers: Sequence[BiomarkerResult], today: dt.date) -> dict[str, Any]:
    overdue = [f"{b.name.split(' (')[0]} (due {b.retest_on.isoformat()})" for b in biomarkers
               if step.kind == "retest" and b.retest_on and b.retest_on < today]
    return {
        "kind": step.kind, "title": step.title, "why": step.why, "when": step.when, "retest": step.retest,
        "lead": "; ".join(i.text for i in step.without) + "." if step.kind == "basics" else
        step.why.split(". ")[0] + "." if step.kind == "first-step" else "",
        "gene": step.gene, "marker": step.marker, "overdue": overdue,
        "evidence": evidence.get(step.evidence, ""), "citations": cite(step.citations),
        "without": [_plan_item(p, cite, evidence) for p in step.without],
        "with_": [_plan_item(p, cite, evidence) for p in step.with_],
        "safety": [_plan_item(p, cite, evidence) for p in step.safety],
    }


def _biomarker_view(b: BiomarkerResult, marker: "LabMarker", cite: _Citations,
                    triggered: dict[str, list[str]]) -> dict[str, Any]:
    band = next((x for x in marker.bands_for(b.band_set) if x.id == b.band), None)
    given = f"{b.value_given} {b.unit_given}"
    judged = f"{b.value:.3g} {b.unit}" if b.value < 1000 else f"{b.value:.0f} {b.unit}"
    previous = None
    if b.previous_value is not None:
        when = f" on {b.previous_date.isoformat()}" if b.previous_date else ""
        previous = f"{b.trend} from {b.previous_value:g} {b.unit}{when}"
    return {
        "id": b.marker, "name": b.name, "given": given, "judged": judged,
        "converted": given.replace(" ", "") != judged.replace(" ", ""),
        "date": b.date.isoformat() if b.date else "undated",
        "band": band.label if band else "Not judged",
        "says": band.says if band else ("No athlete threshold exists and the sheet gives no reference range "
                                        "for this test, so it is not judged."),
        "source": band.source if band else "", "in_target": b.in_target, "severity": b.severity,
        "previous": previous, "retest_on": b.retest_on.isoformat() if b.retest_on else None,
        "retest_days": marker.retest_days, "meaning": marker.meaning, "citations": cite(marker.citations),
        "scale": scale(b, marker), "steps": triggered.get(b.marker, []),
    }


def _plan_item(item: PlanItem, cite: _Citations, evidence: dict[str, str]) -> dict[str, Any]:
    return {"text": item.text, "evidence": evidence[item.evidence], "citations": cite(item.citations)}


def _guidance_item(item: GuidanceItem, cite: _Citations, evidence: dict[str, str]) -> dict[str, Any]:
    return {"title": item.title, "text": item.text, "practical": item.practical,
            "evidence": evidence[item.evidence], "citations": cite(item.citations)}


def html(result: SampleResult, knowledge: Knowledge, today: dt.date, name: str | None = None) -> str:
    """The self-contained HTML report (inline CSS, no scripts, nothing fetched)."""
    return page("report.html", view(result, knowledge, today, name))
