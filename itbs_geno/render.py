"""SampleResult -> the JSON contract, and -> a plain view dict that the HTML template only prints."""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from itbs_geno import __version__
from itbs_geno.evidence import ANCESTRIES, ancestries
from itbs_geno.forest import forest
from itbs_geno.interpret import PLAN_CATEGORIES, counted, gene_category
from itbs_geno.labs import LabMarker, LabPanel, load_lab_panel
from itbs_geno.model import BiomarkerResult, Finding, SampleResult, Source, Status
from itbs_geno.plan import PlanStep, prioritise
from itbs_geno.panel import Gene, Marker, Panel, PlanItem
from itbs_geno.templating import page


def as_json(result: SampleResult, panel: Panel) -> dict[str, Any]:
    """One sample as DESIGN.md's JSON result; fields may be added, never change meaning."""
    source = result.source
    return {
        "sample": result.sample,
        "source": {
            "path": source.path, "format": source.format, "build": source.build,
            "build_basis": source.build_basis, "compression": source.compression,
            "member": source.member, "layout": source.layout, "strand": source.strand,
            "index": source.index, "sha256": source.sha256,
            "variants": source.variants, "no_calls": source.no_calls,
            "call_rate": None if source.call_rate is None else round(source.call_rate, 6),
            "warnings": list(source.warnings),
        },
        "panel": {"version": panel.version, "date": panel.date},
        "tool": {"name": "itbs-geno", "version": __version__},
        "markers": [_marker_json(f, panel.marker(f.call.marker_id)) for f in result.findings],
        "biomarkers": [_biomarker_json(b) for b in result.biomarkers],
    }


def _biomarker_json(b: BiomarkerResult) -> dict[str, Any]:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "marker": b.marker, "name": b.name, "value": b.value, "unit": b.unit,
        "value_as_given": b.value_given, "unit_as_given": b.unit_given, "date": iso(b.date),
        "band": b.band, "in_target": b.in_target, "severity": b.severity,
        "ref_low": b.ref_low, "ref_high": b.ref_high,
        "previous": None if b.previous_value is None else {"value": b.previous_value, "date": iso(b.previous_date)},
        "trend": b.trend, "retest_on": iso(b.retest_on),
    }


def _marker_json(finding: Finding, marker: Marker) -> dict[str, Any]:
    call = finding.call
    proxy = call.proxy
    return {
        "gene": call.gene, "rsid": call.rsid, "marker": marker.name,
        "genotype": str(call.genotype) if call.status is Status.CALLED else None,
        "status": str(call.status), "via": call.via,
        "result": finding.category, "evidence": finding.evidence,
        "literature_genotype": finding.literature,
        "proxy": None if proxy is None else {"rsid": proxy.rsid, "r2": proxy.r2,
                                             "population": proxy.population, "source": proxy.source},
        "flag": call.flag, "notes": list(call.notes),
    }


class _Citations:
    """Numbers references in order of first citation, as the report's reference list does."""

    def __init__(self, panel: Panel):
        self.panel, self.order = panel, []

    def __call__(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        for key in keys:
            if key not in self.order:
                self.order.append(key)
        return [{"n": self.order.index(k) + 1, "key": k} for k in keys]

    def listing(self) -> list[dict[str, Any]]:
        refs = self.panel.references
        return [{"n": i + 1, "key": k, "text": refs[k].text, "link": refs[k].link,
                 "checked": refs[k].checked} for i, k in enumerate(self.order)]


def view(result: SampleResult, panel: Panel, today: dt.date, lab_panel: LabPanel | None = None) -> dict[str, Any]:
    """Everything the report shows, as display-ready values in display order."""
    lab_panel = lab_panel or load_lab_panel(panel)
    cite = _Citations(panel)
    findings = result.findings
    evidence = {k: v["label"] for k, v in panel.evidence.items()}
    plan = [_step_view(step, cite, evidence) for step in prioritise(panel, lab_panel, findings, result.biomarkers)]
    biomarkers = [_biomarker_view(b, lab_panel.markers[b.marker], cite, evidence) for b in result.biomarkers]
    genes = [_gene_view(g, findings, panel, cite, evidence) for g in panel.genes]
    guidance = panel.guidance
    sections = {name: [_guidance_item(item, cite, evidence) for item in guidance[name]]
                for name in ("principles", "approaches")}
    higher = counted(panel, findings)
    called = [f for f in findings if f.call.status is Status.CALLED]
    return {
        "sample": result.sample,
        "date": today.isoformat(),
        "tool_version": __version__,
        "panel_version": panel.version,
        "panel_date": panel.date,
        "source": _source_view(result),
        "sites": [_site_view(f, panel) for f in findings],
        "genes": genes,
        "summary": {
            "called": len(called), "total": len(findings),
            "higher": [f"{f.call.gene} {panel.marker(f.call.marker_id).name} {f.literature}" for f in higher],
            "count_note": guidance["count_note"]["text"].strip(),
            "itbs_note": guidance["itbs_note"]["text"].strip(),
            "differs": [g["symbol"] for g in genes if g["verdict"] == "differs"],
        },
        "categories": [{"id": k, **v} for k, v in panel.categories.items()],
        "evidence_levels": [{"id": k, **v} for k, v in panel.evidence.items()],
        "plan": plan,
        "biomarkers": biomarkers,
        "principles": sections["principles"],
        "approaches": sections["approaches"],
        "disclaimer": guidance["disclaimer"]["text"].strip(),
        "references": cite.listing(),
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
    }


def _gene_view(gene: Gene, findings: Sequence[Finding], panel: Panel, cite: _Citations,
               evidence: dict[str, str]) -> dict[str, Any]:
    mine = [f for f in findings if f.call.gene == gene.symbol]
    category = gene_category(gene, mine)
    return {
        "symbol": gene.symbol, "title": gene.title, "role": gene.role,
        "itbs_evidence": gene.itbs_evidence, "popular_claim": gene.popular_claim,
        "verdict": gene.verdict, "citations": cite(gene.citations),
        "category": category, "category_label": panel.categories[category]["label"] if category else "Not tested",
        "symbol_mark": panel.categories[category]["symbol"] if category else "–",
        "markers": [_finding_view(f, panel.marker(f.call.marker_id), panel, cite, evidence) for f in mine],
        "does_mean": gene.does_mean, "does_not_mean": gene.does_not_mean,
        "plan_applies": category in PLAN_CATEGORIES,
        "forest": forest(gene, {f.call.marker_id: str(f.call.genotype) if f.call.genotype else None for f in mine}),
        "plan_without": [_plan_item(p, cite, evidence) for p in gene.plan_without],
        "plan_with": [_plan_item(p, cite, evidence) for p in gene.plan_with],
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
        "category_label": panel.categories[category]["label"] if category else None,
        "category_symbol": panel.categories[category]["symbol"] if category else None,
        "evidence": evidence.get(finding.evidence or "", None),
        "meaning": finding.meaning, "effect": finding.effect, "population": finding.population,
        "citations": cite(finding.citations),
        "via": call.via, "proxy": call.proxy, "flag": call.flag, "notes": list(call.notes),
        "frequencies": [{"population": k, "value": f"{v:.2f}"} for k, v in marker.frequencies.items()],
        "genotype_plot": _genotype_plot(marker, str(call.genotype) if call.genotype else None),
        "ancestry": _ancestry(marker, str(call.genotype)) if call.genotype else None,
        "frequency_allele": marker.frequency_allele, "frequency_source": marker.frequency_source,
        "proxies": [{"rsid": p.rsid, "r2": "not documented" if p.r2 is None else f"{p.r2:g}",
                     "population": p.population, "used": p.r2 is not None and p.r2 >= panel.min_proxy_r2,
                     "source": p.source} for p in marker.proxies],
        "all_genotypes": [{"genotype": g, "literature": r.literature,
                           "label": panel.categories[r.category]["label"],
                           "symbol": panel.categories[r.category]["symbol"],
                           "yours": g == (str(call.genotype) if call.genotype else None)}
                          for g, r in marker.genotypes.items()],
    }


ANCESTRY_NAMES = {"EUR": "European", "AFR": "African", "EAS": "East Asian", "SAS": "South Asian",
                  "AMR": "admixed American"}


def _ancestry(marker: Marker, genotype: str) -> dict[str, Any] | None:
    """Which ancestries the injury studies behind this genotype's result were done in, and how
    common the genotype is in each 1000 Genomes super-population (issue 13 item 5)."""
    studied = [s for s in marker.studies if s.outcome == "injury" and not s.subgroup and genotype in s.exposed]
    if not studied:
        return None
    found = ancestries(studied)
    names = _words([ANCESTRY_NAMES[a] for a in found], "and")
    shares = [{"population": p, "share": f"{_hwe(marker, genotype, marker.frequencies[p]):.0%}"}
              for p in ANCESTRIES if p in marker.frequencies]
    unstudied = _words([ANCESTRY_NAMES[a] for a in ANCESTRIES if a not in found], "or")
    return {"only_one": len(found) == 1, "names": names, "shares": shares, "unstudied": unstudied,
            "complete": len(shares) == len(ANCESTRIES), "frequency_source": marker.frequency_source}


def _words(items: list[str], conjunction: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}" if items else ""


def _hwe(marker: Marker, genotype: str, p: float) -> float:
    alleles = genotype.split("/") if "/" in genotype else list(genotype)
    k = alleles.count(marker.frequency_allele)
    return (2 if k == 1 else 1) * p ** k * (1 - p) ** (2 - k)


PLOT_BAR = 240          # width of one population's bar in the genotype-frequency plot


def _genotype_plot(marker: Marker, yours: str | None) -> dict[str, Any]:
    """Expected genotype frequencies per population (Hardy–Weinberg from the allele
    frequency), as segments of one bar per population, with the person's genotype marked."""
    genotypes = marker.possible_genotypes()
    rows = []
    for y, (population, p) in enumerate(marker.frequencies.items()):
        shares = []
        for genotype in genotypes:
            alleles = genotype.split("/") if "/" in genotype else list(genotype)
            k = alleles.count(marker.frequency_allele)
            shares.append((2 if k == 1 else 1) * p ** k * (1 - p) ** (2 - k))
        x, segments = 0.0, []
        for i, (genotype, share) in enumerate(zip(genotypes, shares)):
            width = share * PLOT_BAR
            segments.append({"x": round(x, 1), "width": round(width, 1), "shade": i, "genotype": genotype,
                             "percent": f"{share:.0%}", "yours": genotype == yours,
                             "label_x": round(x + width / 2, 1), "labelled": width >= 26})
            x += width
        rows.append({"population": population, "y": y * 22, "segments": segments})
    described = "; ".join(f"{r['population']}: " + ", ".join(f"{s['genotype']} {s['percent']}" for s in r["segments"])
                          for r in rows)
    return {"id": re.sub(r"[^A-Za-z0-9]", "-", marker.id), "rows": rows, "height": len(rows) * 22 + 26,
            "genotypes": genotypes, "yours": yours,
            "description": described, "legend_y": len(rows) * 22 + 14}


def _strand_note(marker: Marker, panel: Panel) -> str:
    gene = panel.gene(marker.gene)
    if marker.kind == "repeat":
        return "The repeat is read by its length (the number of adenines), never by letters, so the strand does not change its name."
    if gene.strand == "-":
        return ("The gene is read from the minus strand, so the papers' letters are the complement "
                "of the plus-strand letters in your file.")
    return "The gene is on the plus strand: the papers' letters are the letters in your file."


def _step_view(step: PlanStep, cite: _Citations, evidence: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": step.kind, "title": step.title, "why": step.why, "when": step.when, "retest": step.retest,
        "evidence": evidence.get(step.evidence, ""), "citations": cite(step.citations),
        "without": [_plan_item(p, cite, evidence) for p in step.without],
        "with_": [_plan_item(p, cite, evidence) for p in step.with_],
        "safety": [_plan_item(p, cite, evidence) for p in step.safety],
    }


def _biomarker_view(b: BiomarkerResult, marker: LabMarker, cite: _Citations,
                    evidence: dict[str, str]) -> dict[str, Any]:
    band = next((x for x in marker.bands if x.id == b.band), None)
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
        "scale": _scale(b, marker),
        "without": [_plan_item(p, cite, evidence) for p in marker.plan_without],
        "with_": [_plan_item(p, cite, evidence) for p in marker.plan_with],
        "safety": [_plan_item(p, cite, evidence) for p in marker.safety],
    }


SCALE_WIDTH = 320


def _scale(b: BiomarkerResult, marker: LabMarker) -> dict[str, Any]:
    """Band segments and the value's position on a horizontal scale, for an inline SVG."""
    if marker.range_from_sheet:
        if b.ref_low is None or b.ref_high is None:
            return {"segments": [], "x": None, "ticks": []}
        edges = [b.ref_low, b.ref_high]
        bands = sorted(marker.bands, key=lambda x: ["below_range", "in_range", "above_range"].index(x.id))
    else:
        edges = [x.below if x.below is not None else x.up_to for x in marker.bands[:-1]]
        bands = list(marker.bands)
    top = max(edges[-1] * 1.5, b.value * 1.1, 1e-9)
    scale = SCALE_WIDTH / top
    bounds = [0.0, *edges, top]
    segments = [{"x": round(lo * scale, 1), "width": round((hi - lo) * scale, 1), "severity": band.severity,
                 "label": band.label} for band, lo, hi in zip(bands, bounds, bounds[1:])]
    return {"segments": segments, "x": round(min(b.value, top) * scale, 1),
            "ticks": [{"x": round(e * scale, 1), "label": f"{e:g}"} for e in edges]}


def _plan_item(item: PlanItem, cite: _Citations, evidence: dict[str, str]) -> dict[str, Any]:
    return {"text": item.text, "evidence": evidence[item.evidence], "citations": cite(item.citations)}


def _guidance_item(item: dict[str, Any], cite: _Citations, evidence: dict[str, str]) -> dict[str, Any]:
    return {"title": item["title"], "text": item["text"].strip(), "practical": item.get("practical", "").strip(),
            "evidence": evidence[item["evidence"]], "citations": cite(item["citations"])}


def html(result: SampleResult, panel: Panel, today: dt.date, lab_panel: LabPanel | None = None) -> str:
    """The self-contained HTML report (inline CSS, no scripts, nothing fetched)."""
    return page("report.html", view(result, panel, today, lab_panel))
