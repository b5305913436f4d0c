"""Load and validate snp_panels/: the markers, their alleles, the literature and the plans.

Every problem is found at load time and named by file and field, so a report is never
half-built on inconsistent data. The values themselves are in panel_model.py.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from itbs_geno import evidence as ev
from itbs_geno.errors import PanelError
from itbs_geno.genotype import is_palindromic
from itbs_geno.panel_model import (
    Category,
    EvidenceLevel,
    Gene,
    GenotypeRule,
    Guidance,
    GuidanceItem,
    Marker,
    Panel,
    PlanItem,
    Proxy,
    Reference,
    marker_genotypes,
)
from itbs_geno.panel_studies import check_derived, load_studies
from itbs_geno.resources import data_dir
from itbs_geno.toml_table import Table, load_toml

__all__ = ["Category", "EvidenceLevel", "Gene", "GenotypeRule", "Guidance", "GuidanceItem", "Marker", "Panel",
           "PlanItem", "Proxy", "Reference", "load_panel", "plan_item"]

KINDS = ("snp", "repeat")
VERDICTS = ("agrees", "differs", "unsupported")
BASES = set("ACGT")


@functools.cache
def load_panel(folder: Path | None = None) -> Panel:
    """Read and check every panel file; raises PanelError naming the file and field."""
    folder = folder or data_dir("snp_panels")
    index = load_toml(folder / "panel.toml")
    refs = _load_references(load_toml(folder / "references.toml"))
    categories = _load_categories(index)
    evidence = {k: EvidenceLevel(k, t.get("label"), t.get("rank", int), t.get("description"))
                for k, t in index.named_tables("evidence").items()}
    missing = [level for level in (*ev.LEVELS, "practice") if level not in evidence]
    if missing:
        raise PanelError(f"panel.toml: [evidence] needs the level '{missing[0]}', which the rules give")
    builds = index.strings("builds")
    checker = _Checker(refs, categories, evidence, builds)
    genes = tuple(_load_gene(load_toml(folder / f"{symbol}.toml"), symbol, checker)
                  for symbol in index.strings("genes"))
    guidance = _load_guidance(load_toml(folder / "guidance.toml"), checker)
    return Panel(index.get("version"), index.get("date"), builds, index.number("min_proxy_r2"),
                 categories, evidence, refs, genes, guidance)


def plan_item(panel: Panel, table: Table) -> PlanItem:
    """A plan item from another knowledge file, checked like the gene panel's own: text,
    a known evidence level and citations defined in references.toml."""
    return _Checker(panel.references, panel.categories, panel.evidence, panel.builds).plan(table)


def _load_categories(index: Table) -> dict[str, Category]:
    """The categories the rules in evidence.py give, each with every field the report reads."""
    categories = {k: Category(k, t.get("label"), t.get("short"), t.get("symbol"), t.get("description"),
                              t.get("counted", bool), t.get("plan", bool), t.get("rank", int))
                  for k, t in index.named_tables("categories").items()}
    if set(categories) != set(ev.CATEGORIES):
        raise PanelError(f"panel.toml: [categories] should be exactly {', '.join(ev.CATEGORIES)} "
                         f"(the ones evidence.py derives), not {', '.join(categories)}")
    ranks = [c.rank for c in categories.values()]
    if len(set(ranks)) != len(ranks) or min(ranks) < 1:
        raise PanelError("panel.toml: [categories] ranks should be distinct whole numbers from 1 (1 = most notable)")
    return categories


def _load_references(table: Table) -> dict[str, Reference]:
    refs = {}
    for key in table.data:
        entry = table.table(key)
        refs[key] = Reference(key, entry.get("text"), entry.get("doi", default=None),
                              entry.get("url", default=None), entry.choice("checked", ("abstract", "secondary")))
    return refs


def _load_guidance(table: Table, checker: "_Checker") -> Guidance:
    def items(section: str) -> tuple[GuidanceItem, ...]:
        found = tuple(GuidanceItem(t.get("title"), t.get("text").strip(), t.get("practical", default="").strip(),
                                   checker.level(t), checker.citations(t)) for t in table.tables(section))
        if not found:
            raise PanelError(f"{table.where}: no [[{section}]] entries")
        return found

    def text(section: str) -> str:
        return table.table(section).get("text").strip()

    return Guidance(items("principles"), items("approaches"), text("disclaimer"), text("count_note"),
                    text("itbs_note"))


@dataclass
class _Checker:
    references: dict[str, Reference]
    categories: dict[str, Category]
    evidence: dict[str, EvidenceLevel]
    builds: tuple[str, ...]

    def citations(self, table: Table, required: bool = True) -> tuple[str, ...]:
        keys = table.strings("citations", default=() if not required else ...)
        if required and not keys:
            raise PanelError(f"{table.where}: field 'citations' is empty; every claim needs a source")
        for key in keys:
            if key not in self.references:
                raise PanelError(f"{table.where}: citation '{key}' is not in references.toml")
        return keys

    def level(self, table: Table) -> str:
        value = table.get("evidence")
        if value not in self.evidence:
            raise PanelError(f"{table.where}: evidence '{value}' is not one of {', '.join(self.evidence)}")
        return value

    def plan(self, table: Table) -> PlanItem:
        return PlanItem(table.get("text"), self.level(table), self.citations(table))


def _load_gene(table: Table, symbol: str, checker: _Checker) -> Gene:
    if table.get("gene") != symbol:
        raise PanelError(f"{table.where}: field 'gene' is {table.get('gene')!r}, expected {symbol!r}")
    chromosome = table.get("chromosome")
    strand = table.choice("gene_strand", ("+", "-"))
    table.get("gene_strand_source")                 # every fact carries its source
    verdict = table.choice("verdict", VERDICTS)
    markers = tuple(_load_marker(t, symbol, chromosome, checker) for t in table.tables("markers"))
    if not markers:
        raise PanelError(f"{table.where}: no [[markers]]")
    limits, plan = table.table("limits"), table.table("plan")
    return Gene(symbol, table.get("title"), chromosome, strand,
                table.get("role").strip(), table.get("itbs_evidence").strip(),
                table.get("popular_claim").strip(), verdict, checker.citations(table), markers,
                limits.get("does_mean"), limits.get("does_not_mean"),
                tuple(checker.plan(t) for t in plan.tables("without")),
                tuple(checker.plan(t) for t in plan.tables("with")))


def _load_marker(table: Table, gene: str, chromosome: str, checker: _Checker) -> Marker:
    kind = table.choice("kind", KINDS)
    ref, alt = table.get("ref"), table.get("alt")
    _check_allele(table, "ref", ref, kind)
    _check_allele(table, "alt", alt, kind)
    palindromic = table.get("palindromic", bool)
    if kind == "snp" and palindromic != is_palindromic(ref, alt):
        raise PanelError(f"{table.where}: field 'palindromic' is {palindromic} but {ref}/{alt} says otherwise")
    positions = _positions(table, checker.builds)
    table.get("allele_source"), table.get("position_source")     # every fact carries its source
    literature = tuple(tuple(pair) for pair in table.get("literature_alleles", list))
    if sorted(plus for _, plus in literature) != sorted({ref, alt}) or any(len(p) != 2 for p in literature):
        raise PanelError(f"{table.where}: field 'literature_alleles' must map a name to each of {ref} and {alt}")
    freq = table.table("frequencies")
    values = {k: v for k, v in freq.data.items() if k not in ("allele", "source")}
    if freq.get("allele") not in (ref, alt) or not values or not all(
            isinstance(v, float) and 0 <= v <= 1 for v in values.values()):
        raise PanelError(f"{freq.where}: needs 'allele' ({ref} or {alt}) and frequencies between 0 and 1")
    marker = Marker(
        table.get("id"), gene, chromosome, table.get("rsid"), table.strings("aliases", ()),
        table.get("name"), kind, palindromic, ref, alt, _ref_verified(table), literature,
        positions, freq.get("allele"), values, freq.get("source"),
        {}, tuple(_load_proxy(t, checker.builds, ref, alt) for t in table.tables("proxies")),
        load_studies(table, marker_genotypes(ref, alt), checker.references))
    rules = table.table("genotypes")
    for genotype in marker.possible_genotypes():
        if genotype not in rules.data:
            raise PanelError(f"{rules.where}: genotype \"{genotype}\" has no interpretation")
        marker.genotypes[genotype] = _load_rule(rules.table(genotype), genotype, checker)
        check_derived(table.where, marker, genotype)
    extra = set(rules.data) - set(marker.genotypes)
    if extra:
        raise PanelError(f"{rules.where}: genotype \"{min(extra)}\" is not possible for {ref}/{alt}")
    return marker


def _ref_verified(table: Table) -> bool:
    return table.choice("ref_confidence", ("verified", "unverified"), default="verified") == "verified"


def _check_allele(table: Table, field: str, allele: str, kind: str) -> None:
    valid = allele in BASES if kind == "snp" else allele[:-1].isdigit() and allele[-1] in BASES
    if not valid:
        raise PanelError(f"{table.where}: field '{field}' = {allele!r} is not a valid {kind} allele")


def _positions(table: Table, builds: tuple[str, ...]) -> dict[str, int]:
    positions = table.get("positions", dict)
    for build in builds:
        if not isinstance(positions.get(build), int) or positions[build] <= 0:
            raise PanelError(f"{table.where}: field 'positions' needs a {build} position")
    return dict(positions)


def _load_proxy(table: Table, builds: tuple[str, ...], ref: str, alt: str) -> Proxy:
    allele_map = dict(tuple(pair) for pair in table.get("allele_map", list))
    if sorted(allele_map.values()) != sorted({ref, alt}) or not set(allele_map) <= BASES:
        raise PanelError(f"{table.where}: field 'allele_map' must map two bases to {ref} and {alt}")
    r2 = table.get("r2", (int, float), default=None)
    if r2 is not None and not 0 <= r2 <= 1:
        raise PanelError(f"{table.where}: field 'r2' must be between 0 and 1")
    return Proxy(table.get("rsid"), r2, table.get("population"), allele_map,
                 _positions(table, builds), table.get("source"))


def _load_rule(table: Table, genotype: str, checker: _Checker) -> GenotypeRule:
    category = table.get("category")
    if category not in checker.categories:
        raise PanelError(f"{table.where}: category '{category}' is not one of {', '.join(checker.categories)}")
    return GenotypeRule(genotype, table.get("literature"), category, checker.level(table),
                        table.get("meaning"), table.get("effect"), table.get("population"),
                        checker.citations(table))
