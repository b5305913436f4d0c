"""What `itbs-geno panel` and `itbs-geno inspect` print: the panel's markers, and one file's facts."""

from itbs_geno.model import SampleResult, Status
from itbs_geno.panel_model import Panel

STRAND = {"declared": "plus, declared by the file", "documented": "plus, per the vendor",
          "assumed": "plus, assumed (the file does not say)"}


def panel_table(panel: Panel) -> tuple[list[str], list[list[str]]]:
    """The header and one row per marker: positions in both builds, alleles, evidence."""
    rows = []
    for m in panel.markers:
        literature = " ".join(f"{name}={plus}" for name, plus in m.literature_alleles)
        rows.append([m.gene, m.name, m.rsid, f"chr{m.chromosome}", str(m.positions["GRCh37"]),
                     str(m.positions["GRCh38"]), f"{m.ref}>{m.alt}", literature,
                     "yes" if m.palindromic else "no",
                     ", ".join(sorted({panel.evidence[r.evidence].label for r in m.genotypes.values()}))])
    return ["gene", "marker", "rsid", "chrom", "GRCh37", "GRCh38", "ref>alt", "papers=plus",
            "palindromic", "evidence"], rows


def file_rows(results: list[SampleResult]) -> list[tuple[str, str]]:
    """(label, value) rows describing the file the results were read from, then each sample's sites."""
    s = results[0].source
    rows = [("format", s.format_label + (f" ({s.layout} columns)" if s.layout else "")),
            ("compression", s.compression + (f", member {s.member}" if s.member else "")),
            ("index", s.index or "none (read in one pass)"),
            ("build", s.build or "undecided"), ("build decided", s.build_basis),
            ("strand", STRAND[s.strand]),
            ("variants", "not counted (read through the index)" if s.variants is None else str(s.variants)),
            ("no-calls", "n/a" if s.no_calls is None else str(s.no_calls)),
            ("call rate", "n/a" if s.call_rate is None else f"{s.call_rate:.4f}"),
            ("samples", f"{len(results)}"),
            *[("warning", w) for w in s.warnings]]
    for result in results:
        found = [f.call.rsid for f in result.findings if f.call.status is not Status.NOT_TESTED]
        rows.append(("panel sites found", f"{result.sample}: {len(found)} of {len(result.findings)}"
                     + (f" ({', '.join(found)})" if found else "")))
    return rows
