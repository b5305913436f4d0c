"""The inline SVG charts' geometry: genotype frequencies per population, a lab value on its
bands, and which ancestries a genotype's studies were done in. Plain numbers for the templates."""

import re
from typing import TYPE_CHECKING, Any

from itbs_geno.evidence import ANCESTRIES, ancestries
from itbs_geno.model import BiomarkerResult
from itbs_geno.panel_model import Marker

if TYPE_CHECKING:
    from itbs_geno.lab_model import LabMarker


ANCESTRY_NAMES = {"EUR": "European", "AFR": "African", "EAS": "East Asian", "SAS": "South Asian",
                  "AMR": "admixed American"}


def ancestry(marker: Marker, genotype: str) -> dict[str, Any] | None:
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
    """The genotype's expected share (Hardy–Weinberg) where the frequency allele has frequency p."""
    alleles = genotype.split("/") if "/" in genotype else list(genotype)
    k = alleles.count(marker.frequency_allele)
    return (2 if k == 1 else 1) * p ** k * (1 - p) ** (2 - k)


PLOT_BAR = 240          # width of one population's bar in the genotype-frequency plot


def genotype_plot(marker: Marker, yours: str | None) -> dict[str, Any]:
    """Expected genotype frequencies per population (Hardy–Weinberg from the allele
    frequency), as segments of one bar per population, with the person's genotype marked."""
    genotypes = marker.possible_genotypes()
    rows: list[dict[str, Any]] = []
    for y, (population, p) in enumerate(marker.frequencies.items()):
        shares = [_hwe(marker, genotype, p) for genotype in genotypes]
        x, segments = 0.0, []
        for i, (genotype, share) in enumerate(zip(genotypes, shares, strict=True)):
            width = share * PLOT_BAR
            segments.append({"x": round(x, 1), "width": round(width, 1), "shade": i, "genotype": genotype,
                             "percent": f"{share:.0%}", "yours": genotype == yours,
                             "label_x": round(x + width / 2, 1),
                             # never over the hatching: the reader's share is in the legend instead
                             "labelled": width >= 26 and genotype != yours})
            x += width
        rows.append({"population": population, "y": y * 22, "segments": segments})
    described = "; ".join(f"{r['population']}: " + ", ".join(f"{s['genotype']} {s['percent']}" for s in r["segments"])
                          for r in rows)
    return {"id": re.sub(r"[^A-Za-z0-9]", "-", marker.id), "rows": rows, "height": len(rows) * 22 + 26,
            "genotypes": genotypes, "yours": yours, "rsid": marker.rsid,
            "description": described, "legend_y": len(rows) * 22 + 14}



SCALE_WIDTH = 320


def scale(b: BiomarkerResult, marker: "LabMarker") -> dict[str, Any]:
    """Band segments and the value's position on a horizontal scale, for an inline SVG."""
    if marker.range_from_sheet:
        if b.ref_low is None or b.ref_high is None:
            return {"segments": [], "x": None, "ticks": []}
        edges = [b.ref_low, b.ref_high]
        bands = sorted(marker.bands, key=lambda x: ["below_range", "in_range", "above_range"].index(x.id))
    else:
        # The loader checked that every band but the last has an upper edge.
        edges = [x.below if x.below is not None else x.up_to or 0.0 for x in marker.bands_for(b.band_set)[:-1]]
        bands = list(marker.bands_for(b.band_set))
    top = max(edges[-1] * 1.5, b.value * 1.1, 1e-9)
    scale = SCALE_WIDTH / top
    bounds = [0.0, *edges, top]
    segments = [{"x": round(lo * scale, 1), "width": round((hi - lo) * scale, 1), "severity": band.severity,
                 "label": band.label} for band, lo, hi in zip(bands, bounds, bounds[1:], strict=False)]
    x = round(min(b.value, top) * scale, 1)
    # The value's own words sit over the pointer, so the gauge reads without colour; edges closer
    # than a label's width keep their line but lose the number (the band words carry them).
    ticks: list[dict[str, Any]] = []
    last: float = -TICK_GAP
    for e in edges:
        tx = round(e * scale, 1)
        ticks.append({"x": tx, "label": f"{e:g}" if tx - last >= TICK_GAP else ""})
        last = tx if tx - last >= TICK_GAP else last
    anchor = "start" if x < SCALE_WIDTH / 3 else "end" if x > SCALE_WIDTH * 2 / 3 else "middle"
    return {"segments": segments, "x": x, "ticks": ticks, "label_x": x, "anchor": anchor}


TICK_GAP = 22


