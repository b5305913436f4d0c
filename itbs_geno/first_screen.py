"""The parts of the report a reader sees first: whose report it is, one row per gene, and the plan
in time bands with each item printed once. Plain values for the templates (render.py joins them)."""

import re
from collections.abc import Callable, Sequence
from typing import Any

from itbs_geno.interpret import gene_category
from itbs_geno.model import Finding, PlanStep, SampleResult, Status
from itbs_geno.panel_model import Gene, Marker, Panel
from itbs_geno.plan import BANDS

# Vendor download names: 23andMe "genome_Jane_Doe_v5_Full_20261125", or the same without the version.
_VENDOR_NAME = re.compile(r"^genome_(?P<name>.+?)(?:_v\d+)?(?:_Full)?(?:_\d{6,14})?$", re.IGNORECASE)
# File names that name a vendor or a format, not a person: shown as they are.
_GENERIC = re.compile(r"^(genome|dna|raw[_ -]?data|sample|data)\b|23andme|ancestry|myheritage|ftdna|livingdna",
                      re.IGNORECASE)
THIS_WEEK_SHOWN = 3


def person_name(result: SampleResult, given: str | None = None) -> str:
    """The person the report is about, in words: the --name given, the VCF sample, or the name a
    vendor put in the file name ("genome_Jane_Doe_v5_Full_2026…" -> "Jane Doe"); else the file's stem."""
    if given and given.strip():
        return given.strip()
    sample = result.sample
    found = _VENDOR_NAME.match(sample)
    if found and not found.group("name").isdigit():
        sample = found.group("name")
    elif _GENERIC.search(sample) and result.source.format != "vcf":
        return sample
    return re.sub(r"[_\s]+", " ", sample).strip() or result.sample


def role_words(gene: Gene) -> str:
    """The gene's job in a few plain words: the part of its title after the protein's name."""
    title = gene.title
    for mark in (": ", ", "):
        if mark in title:
            return title.split(mark, 1)[1]
    return title


def how_to_get(marker: Marker) -> str:
    if marker.kind == "repeat":
        return ("Consumer chips do not read this repeat; a targeted genotyping test of the 5A/6A "
                "repeat, or a whole-genome sequence, would.")
    return "Your chip does not include this site; a whole-genome sequence or a targeted test would."


def glance_rows(panel: Panel, findings: Sequence[Finding], step_ids: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One row per gene: its plain role, the genotype(s), and the result as symbol + word, with the
    honest state (no call and why; not tested and how to get it; low quality)."""
    rows = []
    for gene in panel.genes:
        mine = [f for f in findings if f.call.gene == gene.symbol]
        category = gene_category(panel, gene, mine)
        called = [f for f in mine if f.call.status is Status.CALLED]
        no_calls = [f for f in mine if f.call.status is Status.NO_CALL]
        if category:
            meta = panel.categories[category]
            # a gene read from one of its markers says what happened to the others
            others = [f"{f.call.rsid}: {'no call' if f.call.status is Status.NO_CALL else 'not tested'}"
                      for f in mine if f.call.status is not Status.CALLED]
            state = {"symbol": meta.symbol, "word": meta.label, "note": "; ".join(others)}
        elif no_calls:
            reason = next((f.call.flag for f in no_calls if f.call.flag), "the file gives no genotype there")
            state = {"symbol": "?", "word": "No call", "note": reason}
        else:
            state = {"symbol": "–", "word": "Not tested", "note": how_to_get(panel.marker(mine[0].call.marker_id))}
        rows.append({
            "gene": gene.symbol, "role": role_words(gene), "category": category or
            ("no-call" if no_calls else "not-tested"), **state,
            "genotypes": [{"marker": panel.marker(f.call.marker_id).name, "genotype": str(f.call.genotype),
                           "literature": f.literature if f.literature != str(f.call.genotype) else None,
                           "low_quality": f.call.low_quality} for f in called],
            "low_quality": any(f.call.low_quality for f in called),
            "steps": step_ids.get(gene.symbol, []),
        })
    return rows


def plan_bands(plan: Sequence[PlanStep], step_view: Callable[[PlanStep], dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan under its time headings, numbered through; an item already printed in an earlier
    step is replaced by a pointer to it, so every item is printed once."""
    seen: dict[str, str] = {}
    bands = []
    number = 0
    for band, label in BANDS.items():
        steps = []
        for step in (s for s in plan if s.band == band):
            number += 1
            shown = step_view(step)
            shown.update(n=number, id=f"step-{number}")
            for part in ("without", "with_", "safety"):
                kept, pointers = [], []
                for item in shown[part]:
                    if item["text"] in seen:
                        pointers.append(seen[item["text"]])
                    else:
                        seen[item["text"]] = shown["id"]
                        kept.append(item)
                shown[part] = kept
                shown[part + "_also"] = sorted(set(pointers))
            steps.append(shown)
        if steps:
            bands.append({"id": band, "label": label, "steps": steps})
    return bands


def steps_by_subject(bands: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Which plan steps each gene and lab marker triggered, for the links back from their sections."""
    found: dict[str, list[str]] = {}
    for band in bands:
        for step in band["steps"]:
            for subject in (step["gene"], step["marker"]):
                if subject:
                    found.setdefault(subject, []).append(step["id"])
    return found


def css_string(text: str) -> str:
    """Text as the inside of a CSS string for the print footer: every character but plain letters,
    digits and spaces as a CSS escape, so no quote, backslash or "</style>" can end it early."""
    return "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x}" for c in text)
