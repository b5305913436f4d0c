"""Load and validate snp_panels/: the markers, their alleles, the literature and the plans.

Every problem is found at load time and named by file and field, so a report is never
half-built on inconsistent data.
"""

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbs_geno.errors import PanelError
from itbs_geno import evidence as ev
from itbs_geno.evidence import Study
from itbs_geno.genotype import from_alleles, is_palindromic
from itbs_geno.resources import data_dir
from itbs_geno.sites import Sites

KINDS = ("snp", "repeat")
VERDICTS = ("agrees", "differs", "unsupported")
BASES = set("ACGT")


@dataclass(frozen=True)
class Reference:
    key: str
    text: str
    doi: str | None
    url: str | None
    checked: str

    @property
    def link(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else self.url


@dataclass(frozen=True)
class GenotypeRule:
    genotype: str
    literature: str
    category: str
    evidence: str
    meaning: str
    effect: str
    population: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Proxy:
    rsid: str
    r2: float | None                     # None: not documented, so never used
    population: str
    allele_map: dict[str, str]           # proxy plus-strand allele -> marker allele
    positions: dict[str, int]
    source: str


@dataclass(frozen=True)
class Marker:
    id: str
    gene: str
    chromosome: str
    rsid: str
    aliases: tuple[str, ...]
    name: str
    kind: str
    palindromic: bool
    ref: str
    alt: str
    ref_verified: bool                   # False: which allele the genome carries is not confirmed
    allele_source: str
    literature_alleles: tuple[tuple[str, str], ...]   # (literature name, plus-strand allele)
    positions: dict[str, int]
    position_source: str
    frequency_allele: str
    frequencies: dict[str, float]
    frequency_source: str
    genotypes: dict[str, GenotypeRule]
    proxies: tuple[Proxy, ...]
    studies: tuple[Study, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.rsid, *self.aliases)

    def possible_genotypes(self) -> list[str]:
        return marker_genotypes(self.ref, self.alt)


def marker_genotypes(ref: str, alt: str) -> list[str]:
    pairs = [(ref, ref), (ref, alt), (alt, alt)]
    return [str(from_alleles(list(p))) for p in pairs]


@dataclass(frozen=True)
class PlanItem:
    text: str
    evidence: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Gene:
    symbol: str
    title: str
    chromosome: str
    strand: str
    strand_source: str
    role: str
    itbs_evidence: str
    popular_claim: str
    verdict: str
    citations: tuple[str, ...]
    markers: tuple[Marker, ...]
    does_mean: str
    does_not_mean: str
    plan_without: tuple[PlanItem, ...]
    plan_with: tuple[PlanItem, ...]


@dataclass(frozen=True)
class Panel:
    version: str
    date: str
    builds: tuple[str, ...]
    min_proxy_r2: float
    categories: dict[str, dict[str, Any]]
    evidence: dict[str, dict[str, Any]]
    references: dict[str, Reference]
    genes: tuple[Gene, ...]
    guidance: dict[str, Any]

    @property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(m for g in self.genes for m in g.markers)

    def gene(self, symbol: str) -> Gene:
        return next(g for g in self.genes if g.symbol == symbol)

    def marker(self, marker_id: str) -> Marker:
        return self._markers_by_id[marker_id]

    @functools.cached_property
    def _markers_by_id(self) -> dict[str, Marker]:
        return {m.id: m for m in self.markers}

    @functools.cached_property
    def sites(self) -> Sites:
        ids, positions = set(), set()
        for m in self.markers:
            ids.update(m.ids)
            positions.update((m.chromosome, str(p)) for p in m.positions.values())
            for proxy in m.proxies:
                ids.add(proxy.rsid)
                positions.update((m.chromosome, str(p)) for p in proxy.positions.values())
        return Sites(frozenset(ids), frozenset(positions))


class _Table:
    """A TOML table that names its file and path in every error."""

    def __init__(self, data: dict[str, Any], where: str):
        self.data, self.where = data, where

    def get(self, key: str, kind: type | tuple[type, ...] = str, default: Any = ...) -> Any:
        if key not in self.data:
            if default is not ...:
                return default
            raise PanelError(f"{self.where}: missing field '{key}'")
        value = self.data[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise PanelError(f"{self.where}: field '{key}' should be {_kind_name(kind)}, not {value!r}")
        if isinstance(value, str) and not value.strip():
            raise PanelError(f"{self.where}: field '{key}' is empty")
        return value

    def table(self, key: str) -> "_Table":
        return _Table(self.get(key, dict), f"{self.where}.{key}")

    def tables(self, key: str) -> list["_Table"]:
        items = self.get(key, list, [])
        return [_Table(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]

    def strings(self, key: str, default: Any = ...) -> tuple[str, ...]:
        values = self.get(key, list, default)
        if not all(isinstance(v, str) for v in values):
            raise PanelError(f"{self.where}: field '{key}' should be a list of strings")
        return tuple(values)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({str: "text", int: "a whole number", float: "a number", bool: "true/false",
                        list: "a list", dict: "a table"}.get(k, k.__name__) for k in kinds)


def _load_toml(path: Path) -> _Table:
    try:
        with open(path, "rb") as fh:
            return _Table(tomllib.load(fh), path.name)
    except FileNotFoundError:
        raise PanelError(f"{path.name}: missing from {path.parent}") from None
    except tomllib.TOMLDecodeError as err:
        raise PanelError(f"{path.name}: not valid TOML ({err})") from None


@functools.cache
def load_panel(folder: Path | None = None) -> Panel:
    """Read and check every panel file; raises PanelError naming the file and field."""
    folder = folder or data_dir("snp_panels")
    index = _load_toml(folder / "panel.toml")
    refs = _load_references(_load_toml(folder / "references.toml"))
    categories = {k: index.table("categories").table(k).data for k in index.get("categories", dict)}
    evidence = {k: index.table("evidence").table(k).data for k in index.get("evidence", dict)}
    builds = index.strings("builds")
    checker = _Checker(refs, categories, evidence, builds)
    genes = tuple(_load_gene(_load_toml(folder / f"{symbol}.toml"), symbol, checker)
                  for symbol in index.strings("genes"))
    guidance = _load_toml(folder / "guidance.toml")
    checker.guidance(guidance)
    return Panel(index.get("version"), index.get("date"), builds,
                 float(index.get("min_proxy_r2", (int, float))), categories, evidence, refs, genes,
                 guidance.data)


def plan_item(panel: Panel, item: dict[str, Any], where: str) -> PlanItem:
    """A plan item from another knowledge file, checked like the gene panel's own: text,
    a known evidence level and citations defined in references.toml."""
    checker = _Checker(panel.references, panel.categories, panel.evidence, panel.builds)
    return checker.plan(_Table(item, where))


def _load_references(table: _Table) -> dict[str, Reference]:
    refs = {}
    for key in table.data:
        entry = table.table(key)
        refs[key] = Reference(key, entry.get("text"), entry.get("doi", default=None),
                              entry.get("url", default=None), entry.get("checked"))
        if refs[key].checked not in ("abstract", "secondary"):
            raise PanelError(f"{entry.where}: field 'checked' should be 'abstract' or 'secondary'")
    return refs


@dataclass
class _Checker:
    references: dict[str, Reference]
    categories: dict[str, Any]
    evidence: dict[str, Any]
    builds: tuple[str, ...]

    def citations(self, table: _Table, required: bool = True) -> tuple[str, ...]:
        keys = table.strings("citations", default=() if not required else ...)
        if required and not keys:
            raise PanelError(f"{table.where}: field 'citations' is empty; every claim needs a source")
        for key in keys:
            if key not in self.references:
                raise PanelError(f"{table.where}: citation '{key}' is not in references.toml")
        return keys

    def level(self, table: _Table) -> str:
        value = table.get("evidence")
        if value not in self.evidence:
            raise PanelError(f"{table.where}: evidence '{value}' is not one of {', '.join(self.evidence)}")
        return value

    def plan(self, table: _Table) -> PlanItem:
        return PlanItem(table.get("text"), self.level(table), self.citations(table))

    def guidance(self, table: _Table) -> None:
        for section in ("principles", "approaches"):
            items = table.tables(section)
            if not items:
                raise PanelError(f"{table.where}: no [[{section}]] entries")
            for item in items:
                item.get("title"), item.get("text"), self.level(item), self.citations(item)
        for section in ("disclaimer", "count_note", "itbs_note"):
            table.table(section).get("text")


def _load_gene(table: _Table, symbol: str, checker: _Checker) -> Gene:
    if table.get("gene") != symbol:
        raise PanelError(f"{table.where}: field 'gene' is {table.get('gene')!r}, expected {symbol!r}")
    chromosome = table.get("chromosome")
    strand = table.get("gene_strand")
    if strand not in ("+", "-"):
        raise PanelError(f"{table.where}: field 'gene_strand' should be '+' or '-'")
    verdict = table.get("verdict")
    if verdict not in VERDICTS:
        raise PanelError(f"{table.where}: field 'verdict' should be one of {', '.join(VERDICTS)}")
    markers = tuple(_load_marker(t, symbol, chromosome, checker) for t in table.tables("markers"))
    if not markers:
        raise PanelError(f"{table.where}: no [[markers]]")
    limits, plan = table.table("limits"), table.table("plan")
    return Gene(symbol, table.get("title"), chromosome, strand, table.get("gene_strand_source"),
                table.get("role").strip(), table.get("itbs_evidence").strip(),
                table.get("popular_claim").strip(), verdict, checker.citations(table), markers,
                limits.get("does_mean"), limits.get("does_not_mean"),
                tuple(checker.plan(t) for t in plan.tables("without")),
                tuple(checker.plan(t) for t in plan.tables("with")))


def _load_marker(table: _Table, gene: str, chromosome: str, checker: _Checker) -> Marker:
    kind = table.get("kind")
    if kind not in KINDS:
        raise PanelError(f"{table.where}: field 'kind' should be one of {', '.join(KINDS)}")
    ref, alt = table.get("ref"), table.get("alt")
    _check_allele(table, "ref", ref, kind)
    _check_allele(table, "alt", alt, kind)
    palindromic = table.get("palindromic", bool)
    if kind == "snp" and palindromic != is_palindromic(ref, alt):
        raise PanelError(f"{table.where}: field 'palindromic' is {palindromic} but {ref}/{alt} says otherwise")
    positions = _positions(table, checker.builds)
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
        table.get("name"), kind, palindromic, ref, alt, _ref_verified(table), table.get("allele_source"), literature,
        positions, table.get("position_source"), freq.get("allele"), values, freq.get("source"),
        {}, tuple(_load_proxy(t, checker.builds, ref, alt) for t in table.tables("proxies")),
        _load_studies(table, marker_genotypes(ref, alt), checker))
    rules = table.table("genotypes")
    for genotype in marker.possible_genotypes():
        if genotype not in rules.data:
            raise PanelError(f"{rules.where}: genotype \"{genotype}\" has no interpretation")
        marker.genotypes[genotype] = _load_rule(rules.table(genotype), genotype, checker)
        _check_derived(table.where, marker, genotype)
    extra = set(rules.data) - set(marker.genotypes)
    if extra:
        raise PanelError(f"{rules.where}: genotype \"{sorted(extra)[0]}\" is not possible for {ref}/{alt}")
    return marker


def _ref_verified(table: _Table) -> bool:
    confidence = table.get("ref_confidence", default="verified")
    if confidence not in ("verified", "unverified"):
        raise PanelError(f"{table.where}: field 'ref_confidence' should be 'verified' or 'unverified'")
    return confidence == "verified"


def _check_allele(table: _Table, field: str, allele: str, kind: str) -> None:
    valid = allele in BASES if kind == "snp" else allele[:-1].isdigit() and allele[-1] in BASES
    if not valid:
        raise PanelError(f"{table.where}: field '{field}' = {allele!r} is not a valid {kind} allele")


def _positions(table: _Table, builds: tuple[str, ...]) -> dict[str, int]:
    positions = table.get("positions", dict)
    for build in builds:
        if not isinstance(positions.get(build), int) or positions[build] <= 0:
            raise PanelError(f"{table.where}: field 'positions' needs a {build} position")
    return dict(positions)


def _load_proxy(table: _Table, builds: tuple[str, ...], ref: str, alt: str) -> Proxy:
    allele_map = dict(tuple(pair) for pair in table.get("allele_map", list))
    if sorted(allele_map.values()) != sorted({ref, alt}) or not set(allele_map) <= BASES:
        raise PanelError(f"{table.where}: field 'allele_map' must map two bases to {ref} and {alt}")
    r2 = table.get("r2", (int, float), default=None)
    if r2 is not None and not 0 <= r2 <= 1:
        raise PanelError(f"{table.where}: field 'r2' must be between 0 and 1")
    return Proxy(table.get("rsid"), r2, table.get("population"), allele_map,
                 _positions(table, builds), table.get("source"))


def _load_rule(table: _Table, genotype: str, checker: _Checker) -> GenotypeRule:
    category = table.get("category")
    if category not in checker.categories:
        raise PanelError(f"{table.where}: category '{category}' is not one of {', '.join(checker.categories)}")
    return GenotypeRule(genotype, table.get("literature"), category, checker.level(table),
                        table.get("meaning"), table.get("effect"), table.get("population"),
                        checker.citations(table))


def _check_derived(where: str, marker: Marker, genotype: str) -> None:
    """The typed category and evidence must be the ones the study records give (issue 13)."""
    rule = marker.genotypes[genotype]
    derived = ev.derive(genotype, marker.possible_genotypes(), marker.studies)
    file = where.split(".markers")[0]
    for field, stated, computed in (("category", rule.category, derived.category),
                                    ("evidence", rule.evidence, derived.evidence)):
        if stated != computed:
            raise PanelError(f"{file}: marker {marker.id}, genotype {genotype}: {field} '{stated}' "
                             f"disagrees with its studies, which give '{computed}'")


def _load_studies(table: _Table, possible: list[str], checker: _Checker) -> tuple[Study, ...]:
    studies = tuple(_load_study(t, possible, checker) for t in table.tables("studies"))
    ids = [s.id for s in studies]
    for study in studies:
        if ids.count(study.id) > 1:
            raise PanelError(f"{table.where}.studies: id '{study.id}' is used twice")
        unknown = [k for k in study.pools if k not in ids or k == study.id]
        if unknown:
            raise PanelError(f"{table.where}.studies: '{study.id}' pools '{unknown[0]}', which is not another record here")
        if study.pools and not study.pooled:
            raise PanelError(f"{table.where}.studies: '{study.id}' pools studies but is a {study.design}")
    return studies


def _load_study(t: _Table, possible: list[str], checker: _Checker) -> Study:
    def choice(key: str, options: tuple[str, ...]) -> str:
        value = t.get(key)
        if value not in options:
            raise PanelError(f"{t.where}: field '{key}' should be one of {', '.join(options)}")
        return value

    def count(key: str) -> int | None:
        value = t.get(key, (int, str), default="not reported")
        if value == "not reported" or isinstance(value, int) and value > 0:
            return None if value == "not reported" else value
        raise PanelError(f"{t.where}: field '{key}' should be a positive whole number or \"not reported\"")

    citation = t.get("citation")
    if citation not in checker.references:
        raise PanelError(f"{t.where}: citation '{citation}' is not in references.toml")
    exposed = t.strings("exposed")
    if any(g not in possible for g in exposed):
        raise PanelError(f"{t.where}: field 'exposed' names a genotype not possible here ({', '.join(possible)})")
    ancestry = t.strings("ancestry")
    if any(a not in ev.ANCESTRIES for a in ancestry):
        raise PanelError(f"{t.where}: field 'ancestry' should list 1000 Genomes super-populations ({', '.join(ev.ANCESTRIES)})")
    odds = t.get("or", (int, float, str))
    ci = t.get("ci", (list, str), default="not reported")
    if odds == "not reported" or ci == "not reported":
        ci = None
    elif not (isinstance(odds, (int, float)) and len(ci) == 2 and all(isinstance(x, (int, float)) for x in ci)
              and 0 < ci[0] <= odds <= ci[1]):
        raise PanelError(f"{t.where}: 'or' and 'ci' should be a number inside [low, high], or \"not reported\"")
    finding = t.get("finding", default=None)
    if ci is not None:
        computed = ev.finding_from_ci((float(ci[0]), float(ci[1])))
        if finding not in (None, computed):
            raise PanelError(f"{t.where}: field 'finding' is '{finding}' but the CI says '{computed}'")
        finding = computed
    elif finding not in ev.FINDINGS:
        raise PanelError(f"{t.where}: without a CI, field 'finding' should be one of {', '.join(ev.FINDINGS)}")
    return Study(t.get("id"), citation, t.get("label"), choice("design", ev.DESIGNS),
                 choice("outcome", ev.OUTCOMES), t.get("injury"), t.get("population"), ancestry,
                 count("cases"), count("controls"), count("n"), t.get("contrast"), exposed,
                 None if odds == "not reported" else float(odds),
                 None if ci is None else (float(ci[0]), float(ci[1])), t.get("ci_text", default=None),
                 finding, t.strings("pools", ()), t.get("subgroup", bool, False), t.get("note", default=""))
