"""From the rows a reader found to one call per panel marker: called, no-call or not-tested.

Nothing is guessed. Alleles that are not the marker's own (a strand flip, a third
allele, an indel code at a SNP), duplicate rows that disagree and haploid calls at an
autosomal site become a no-call with a flag that says why.
"""

import dataclasses
import re
from collections.abc import Sequence

from itbs_geno.genotype import INDEL, complement, from_alleles
from itbs_geno.model import Call, Genotype, ProxyUse, RawCall, Status
from itbs_geno.outside import OutsideRow
from itbs_geno.outside import apply as apply_outside
from itbs_geno.panel_model import Marker, Panel, Proxy


def with_outside_calls(calls: Sequence[Call], outside: Sequence[OutsideRow]) -> list[Call]:
    """The last calling step: lab-confirmed genotypes (--outside-calls) fill or replace the file's
    calls, the file's disagreeing genotype kept on the call (outside.py)."""
    return apply_outside(calls, outside)


ASSUME_REF_WARNING = ("--assume-ref: a panel site with no record in the VCF is taken to be homozygous "
                      "reference; such calls are marked.")


def call_panel(panel: Panel, rows: Sequence[RawCall], build: str | None, strand: str = "declared",
               assume_ref: bool = False) -> list[Call]:
    """`assume_ref`: the file leaves out sites where the sample matches the reference (a VCF
    read with --assume-ref), so a verified site with no row is read as homozygous reference."""
    if assume_ref:
        rows = [*rows, *_assumed_reference(panel, rows, build)]
    calls = [call_marker(m, rows, build, panel.min_proxy_r2) for m in panel.markers]
    if strand == "assumed":
        calls = [_strand_unchecked(c) if m.palindromic and c.genotype else c
                 for m, c in zip(panel.markers, calls, strict=True)]
    return calls


def _assumed_reference(panel: Panel, rows: Sequence[RawCall], build: str | None) -> list[RawCall]:
    """A homozygous-reference row for each marker whose reference allele is verified, that has a
    position on this build and no row of its own in the file."""
    present = {r.id for r in rows}
    assumed = []
    for marker in panel.markers:
        pos = marker.positions.get(build or "")
        if pos is not None and marker.ref_verified and marker.rsid not in present:
            assumed.append(RawCall(marker.rsid, marker.chromosome, pos, from_alleles([marker.ref, marker.ref]),
                                   f"{marker.ref}/{marker.ref}",
                                   notes=("assumed homozygous reference (--assume-ref): the VCF has no record here",)))
    return assumed


def _strand_unchecked(call: Call) -> Call:
    note = "palindromic site in a file that does not declare its strand: read as the plus strand, unchecked"
    return dataclasses.replace(call, notes=call.notes + (note,))


def call_marker(marker: Marker, rows: Sequence[RawCall], build: str | None, min_r2: float) -> Call:
    own = _rows_at(marker.ids, marker.chromosome, marker.positions.get(build or ""), rows)
    if own:
        return _call_from_rows(marker, own, build)
    # (proxy, r²) for the proxies whose documented linkage is strong enough, the strongest first
    usable = sorted(((p, p.r2) for p in marker.proxies if p.r2 is not None and p.r2 >= min_r2),
                    key=lambda pair: -pair[1])
    for proxy, r2 in usable:
        found = _rows_at((proxy.rsid,), marker.chromosome, proxy.positions.get(build or ""), rows)
        if found:
            return _call_from_proxy(marker, proxy, r2, found)
    used = {proxy.rsid for proxy, _ in usable}
    unused = [p.rsid for p in marker.proxies if p.rsid not in used
              and _rows_at((p.rsid,), marker.chromosome, p.positions.get(build or ""), rows)]
    notes = tuple(f"{rsid} is in the file, but its linkage with {marker.name} is not documented "
                  f"well enough (r² ≥ {min_r2:g}) to stand in for it" for rsid in unused)
    return Call(marker.id, marker.gene, marker.rsid, Status.NOT_TESTED, None, None, notes=notes)


def _rows_at(ids: Sequence[str], chrom: str, pos: int | None, rows: Sequence[RawCall]) -> list[RawCall]:
    """Rows for a site: by rsID, or at its position for this build under a vendor-internal ID."""
    return [r for r in rows if r.id in ids
            or (pos is not None and not r.id.startswith("rs") and r.chrom == chrom and r.pos == pos)]


def _no_call(marker: Marker, via: str, flag: str | None, notes: tuple[str, ...] = ()) -> Call:
    return Call(marker.id, marker.gene, marker.rsid, Status.NO_CALL, None, via, flag=flag, notes=notes)


def _single_reading(marker: Marker, rows: list[RawCall]) -> RawCall | Call:
    """The one row to use, or a no-call when duplicate rows disagree."""
    readings = {(r.genotype, r.problem) for r in rows}
    times = sum(r.copies for r in rows)
    if len(readings) > 1:
        return _no_call(marker, rows[0].id,
                        f"the file lists this site {times:,} times with different genotypes ({_shown(rows, times)})")
    if times > 1:
        note = f"the file lists this site {times:,} times, all with the same genotype"
        return dataclasses.replace(rows[0], notes=rows[0].notes + (note,))
    return rows[0]


SHOWN_ROWS = 10                              # more rows than this are shown once each, with a count


def _shown(rows: list[RawCall], times: int) -> str:
    """"CT, TT" for a few rows; "CT, TT ×2,000,000" when a file repeats a row, so the flag stays short."""
    if times <= SHOWN_ROWS:
        return ", ".join(sorted(r.text for r in rows for _ in range(r.copies)))
    return ", ".join(sorted(r.text if r.copies == 1 else f"{r.text} ×{r.copies:,}" for r in rows))


def _position_notes(marker_chrom: str, expected: int | None, row: RawCall, build: str | None) -> tuple[str, ...]:
    if row.pos is None:
        return ()
    if expected is None:
        return (f"positions not checked: the panel has no {build or 'known-build'} positions; matched by rsID",)
    if row.pos != expected:
        return ((f"the file puts {row.id} at {row.chrom}:{row.pos}, the panel has {build} "
                 f"{marker_chrom}:{expected}; matched by rsID"),)
    return ()


def _call_from_rows(marker: Marker, rows: list[RawCall], build: str | None) -> Call:
    row = _single_reading(marker, rows)
    if isinstance(row, Call):
        return row
    if row.chrom and row.chrom != marker.chromosome:
        return _no_call(marker, row.id, f"the file puts {row.id} on chromosome {row.chrom}, "
                                        f"not {marker.chromosome}; the row is not trusted")
    notes = row.notes + _position_notes(marker.chromosome, marker.positions.get(build or ""), row, build)
    via = row.label or row.id
    if row.problem:
        return _no_call(marker, via, f'unreadable genotype "{row.text}": {row.problem}', notes)
    if row.genotype is None:
        return _no_call(marker, via, None, notes)
    flag = _allele_problem(marker, row.genotype)
    if flag:
        return _no_call(marker, via, flag, notes)
    return Call(marker.id, marker.gene, marker.rsid, Status.CALLED, row.genotype, via, notes=notes,
                low_quality=low_quality(row.notes))


# What a VCF reader notes about a call it doubts: "FILTER LowQual (not PASS)", "GQ 12, DP 6".
_QUALITY = re.compile(r"\b(GQ|DP) (\d+)")
MIN_GQ, MIN_DP = 20, 8


def low_quality(notes: Sequence[str]) -> bool:
    """The caller filtered the call out, or its genotype quality or depth is under the usual floor."""
    if any(n.startswith("FILTER ") for n in notes):
        return True
    found = {key: int(value) for note in notes for key, value in _QUALITY.findall(note)}
    return found.get("GQ", MIN_GQ) < MIN_GQ or found.get("DP", MIN_DP) < MIN_DP


def _allele_problem(marker: Marker, genotype: Genotype) -> str | None:
    """Why a genotype cannot be interpreted at this marker, or None when it can."""
    alleles, expected = set(genotype.alleles), {marker.ref, marker.alt}
    shown = str(genotype)
    if len(genotype.alleles) != 2:
        return f'"{shown}" is a single allele (a haploid call) at a site on an autosome'
    if alleles <= expected:
        return None
    if marker.kind == "repeat":
        if all(a[:-1].isdigit() for a in alleles):
            return None                      # a rare repeat length: called, and read as uncertain
        return (f'the file codes this repeat as "{shown}"; an insertion/deletion code cannot be '
                f"turned into a repeat length without the vendor's probe design")
    if alleles & INDEL:
        return f'"{shown}" is an insertion/deletion code, but this site is a single-base SNP'
    problem = (f'"{shown}" holds an allele that is not one of this SNP\'s plus-strand alleles '
               f'({marker.ref}/{marker.alt})')
    if not marker.palindromic and set(complement(genotype).alleles) <= expected:
        return (f"{problem}; read from the other strand it would match them, so the file may not be "
                f"on the plus strand: not interpreted")
    return problem


def _call_from_proxy(marker: Marker, proxy: Proxy, r2: float, rows: list[RawCall]) -> Call:
    row = _single_reading(marker, rows)
    if isinstance(row, Call):
        return row
    use = ProxyUse(proxy.rsid, r2, proxy.population, proxy.source)
    if row.genotype is None or row.problem:
        return Call(marker.id, marker.gene, marker.rsid, Status.NO_CALL, None, row.id, use, flag=row.problem)
    if len(row.genotype.alleles) != 2 or not set(row.genotype.alleles) <= set(proxy.allele_map):
        return Call(marker.id, marker.gene, marker.rsid, Status.NO_CALL, None, row.id, use,
                    flag=f'proxy genotype "{row.genotype}" is not one of {"/".join(proxy.allele_map)}')
    inferred = from_alleles([proxy.allele_map[a] for a in row.genotype.alleles])
    notes = (f"inferred from proxy {proxy.rsid} ({row.genotype}), r² = {r2:g} in {proxy.population}",)
    return Call(marker.id, marker.gene, marker.rsid, Status.CALLED, inferred, row.id, use, notes=notes,
                low_quality=low_quality(row.notes))
