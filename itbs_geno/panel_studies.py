"""The [[markers.studies]] records of a gene file, checked, and the rule that a genotype's typed
category and evidence level must be the ones its records give (evidence.derive)."""

from itbs_geno import evidence as ev
from itbs_geno.errors import PanelError
from itbs_geno.evidence import Study
from itbs_geno.panel_model import Marker, Reference
from itbs_geno.toml_table import Table


def check_derived(where: str, marker: Marker, genotype: str) -> None:
    """The typed category and evidence must be the ones the study records give (issue 13)."""
    rule = marker.genotypes[genotype]
    derived = ev.derive(genotype, marker.possible_genotypes(), marker.studies)
    file = where.split(".markers")[0]
    for field, stated, computed in (("category", rule.category, derived.category),
                                    ("evidence", rule.evidence, derived.evidence)):
        if stated != computed:
            raise PanelError(f"{file}: marker {marker.id}, genotype {genotype}: {field} '{stated}' "
                             f"disagrees with its studies, which give '{computed}'")


def load_studies(table: Table, possible: list[str], references: dict[str, Reference]) -> tuple[Study, ...]:
    studies = tuple(_load_study(t, possible, references) for t in table.tables("studies"))
    ids = [s.id for s in studies]
    for study in studies:
        if ids.count(study.id) > 1:
            raise PanelError(f"{table.where}.studies: id '{study.id}' is used twice")
        unknown = [k for k in study.pools if k not in ids or k == study.id]
        if unknown:
            raise PanelError(f"{table.where}.studies: '{study.id}' pools '{unknown[0]}', "
                             f"which is not another record here")
        if study.pools and not study.pooled:
            raise PanelError(f"{table.where}.studies: '{study.id}' pools studies but is a {study.design}")
    return studies


def _load_study(t: Table, possible: list[str], references: dict[str, Reference]) -> Study:
    def choice(key: str, options: tuple[str, ...]) -> str:
        value = t.get(key)
        if value not in options:
            raise PanelError(f"{t.where}: field '{key}' should be one of {', '.join(options)}")
        return value

    def count(key: str) -> int | None:
        value = t.get(key, (int, str), default="not reported")
        if value == "not reported" or (isinstance(value, int) and value > 0):
            return None if value == "not reported" else value
        raise PanelError(f"{t.where}: field '{key}' should be a positive whole number or \"not reported\"")

    citation = t.get("citation")
    if citation not in references:
        raise PanelError(f"{t.where}: citation '{citation}' is not in references.toml")
    exposed = t.strings("exposed")
    if any(g not in possible for g in exposed):
        raise PanelError(f"{t.where}: field 'exposed' names a genotype not possible here ({', '.join(possible)})")
    ancestry = t.strings("ancestry")
    if any(a not in ev.ANCESTRIES for a in ancestry):
        raise PanelError(f"{t.where}: field 'ancestry' should list 1000 Genomes super-populations "
                         f"({', '.join(ev.ANCESTRIES)})")
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
