"""SampleResult -> the JSON contract of DESIGN.md: the report's twin, plan included."""

import datetime as dt
from typing import Any

from itbs_geno import __version__
from itbs_geno.changes import as_json as changes_json
from itbs_geno.first_screen import person_name
from itbs_geno.model import BiomarkerResult, Finding, PlanItem, PlanStep, SampleResult, Source, Status
from itbs_geno.panel_model import Marker, Panel
from itbs_geno.person_view import profile_json
from itbs_geno.plan import BANDS


def as_json(result: SampleResult, panel: Panel, person: str | None = None,
            today: dt.date | None = None) -> dict[str, Any]:
    """One sample as DESIGN.md's JSON result; fields may be added, never change meaning.
    `person`: the name the report's title uses (given, or read from the file); `today`: the
    report's date (what `--previous` and `diff` compare from)."""
    source = result.source
    made = result.person.on if result.person else today or dt.date.today()
    return {
        "sample": result.sample,
        "person": person_name(result, person),
        "date": made.isoformat(),
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
        "plan": [_step_json(step) for step in result.plan],
        "files": [_file_json(s) for s in result.sources],
        "profile": profile_json(result.person),
        "changes": None if result.changes is None else changes_json(result.changes),
    }


def _file_json(source: Source) -> dict[str, Any]:
    return {"path": source.path, "format": source.format, "build": source.build, "sha256": source.sha256}


def _biomarker_json(b: BiomarkerResult) -> dict[str, Any]:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "marker": b.marker, "name": b.name, "value": b.value, "unit": b.unit,
        "value_as_given": b.value_given, "unit_as_given": b.unit_given, "date": iso(b.date),
        "band": b.band, "in_target": b.in_target, "severity": b.severity,
        "ref_low": b.ref_low, "ref_high": b.ref_high,
        "previous": None if b.previous_value is None else {"value": b.previous_value, "date": iso(b.previous_date)},
        "trend": b.trend, "retest_on": iso(b.retest_on),
        "band_set": b.band_set or "general",
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
        "flag": call.flag, "notes": list(call.notes), "low_quality": call.low_quality,
        "outside_call": None if call.outside is None else {
            "source": call.outside.source, "date": call.outside.date.isoformat(), "as_given": call.outside.given,
            "file_genotype": call.outside.file_genotype},
        "agreement": call.agreement,
        "per_file": [{"file": f.file, "status": str(f.status), "genotype": str(f.genotype) if f.genotype else None}
                     for f in call.per_file],
    }




def _step_json(step: PlanStep) -> dict[str, Any]:
    def items(found: tuple[PlanItem, ...]) -> list[dict[str, Any]]:
        return [{"text": i.text, "evidence": i.evidence, "citations": list(i.citations)} for i in found]

    return {
        "band": step.band, "band_label": BANDS[step.band],
        "kind": step.kind, "title": step.title, "why": step.why, "when": step.when,
        "gene": step.gene, "biomarker": step.marker, "retest": step.retest or None,
        "evidence": step.evidence or None, "citations": list(step.citations),
        "without": items(step.without), "with": items(step.with_), "safety": items(step.safety),
    }
