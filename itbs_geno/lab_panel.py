"""Load and validate lab_panels/biomarkers.toml: the seven recovery markers, their athlete bands
and plans, checked at load time against the gene panel's evidence levels and references."""

from pathlib import Path

from itbs_geno.errors import PanelError
from itbs_geno.lab_model import Band, Combination, LabMarker, LabPanel, normalise_name, normalise_unit
from itbs_geno.panel import plan_item
from itbs_geno.panel_model import Panel, PlanItem
from itbs_geno.resources import data_dir
from itbs_geno.toml_table import Table, load_toml


def load_lab_panel(panel: Panel, folder: Path | None = None) -> LabPanel:
    """Read and check biomarkers.toml; raises PanelError naming the file and field."""
    data = load_toml((folder or data_dir("lab_panels")) / "biomarkers.toml")
    markers = {key: _marker(key, table, panel) for key, table in data.named_tables("markers").items()}
    first_step = data.strings("first_step", ())
    for key in first_step:
        if key not in markers:
            raise PanelError(f"{data.where}: first_step names '{key}', which is not a marker")
    why = " ".join(data.get("first_step_why").split()) if first_step else ""
    combinations = tuple(_combination(t, markers, panel) for t in data.tables("combinations"))
    return LabPanel(data.get("version"), markers, first_step, why, combinations)


def _items(table: Table, key: str, panel: Panel) -> tuple[PlanItem, ...]:
    # Safety lines carry no evidence level of their own; they read as clinical practice.
    return tuple(plan_item(panel, Table({"evidence": "practice", **t.data}, t.where)) for t in table.tables(key))


def _band(t: Table) -> Band:
    return Band(t.get("id"), t.get("label"), t.get("in_target", bool), t.get("severity", int), t.get("says"),
                t.get("source"), t.number("below", None), t.number("up_to", None))


def _marker(key: str, table: Table, panel: Panel) -> LabMarker:
    unit = table.get("unit")
    units = {normalise_unit(u): (u, float(f)) for u, f in table.get("units", dict).items()}
    if normalise_unit(unit) not in units:
        raise PanelError(f"{table.where}: the judged unit {unit} is missing from 'units'")
    bands = tuple(_band(t) for t in table.tables("bands"))
    from_sheet = table.get("reference_range_from_sheet", bool, False)
    _check_bands(table.where, "bands", bands, from_sheet)
    sex_bands = {sex: tuple(_band(t) for t in table.tables(f"{sex}_bands")) for sex in SEXES
                 if table.tables(f"{sex}_bands")}
    for sex, own in sex_bands.items():
        _check_bands(table.where, f"{sex}_bands", own, from_sheet)
        # Same ids as the general set, so combinations and the plan read a result the same way.
        if [b.id for b in own] != [b.id for b in bands]:
            raise PanelError(f"{table.where}: {sex}_bands should have the ids of [[bands]], in order")
    if sex_bands and set(sex_bands) != set(SEXES):
        raise PanelError(f"{table.where}: give both female_bands and male_bands, or neither")
    plausible = table.get("plausible", list)
    if len(plausible) != 2 or not all(isinstance(v, (int, float)) for v in plausible):
        raise PanelError(f"{table.where}: field 'plausible' should be [low, high]")
    name = table.get("name")
    names = [key, name, *table.strings("aliases", ())]
    citations = table.strings("citations", ())
    for ref in citations:
        if ref not in panel.references:
            raise PanelError(f"{table.where}: citation '{ref}' is not in references.toml")
    plan = Table(table.get("plan", dict, {}), f"{table.where}.plan")
    return LabMarker(key, name, frozenset(normalise_name(n) for n in names), unit, units,
                     (float(plausible[0]), float(plausible[1])), table.get("retest_days", int),
                     table.get("meaning").strip(), citations, bands, from_sheet, _items(plan, "without", panel),
                     _items(plan, "with", panel), _items(table, "safety", panel), sex_bands)


SEXES = ("female", "male")


def _check_bands(where: str, key: str, bands: tuple[Band, ...], from_sheet: bool) -> None:
    edges = [b.below if b.below is not None else b.up_to for b in bands[:-1]]
    rising = None not in edges and edges == sorted(e for e in edges if e is not None)
    if not bands:
        raise PanelError(f"{where}: no [[{key}]]")
    if from_sheet:
        if {b.id for b in bands} != {"below_range", "in_range", "above_range"}:
            raise PanelError(f"{where}: a sheet-range marker needs {key} below_range, in_range, above_range")
    elif not rising or bands[-1].below is not None or bands[-1].up_to is not None:
        raise PanelError(f"{where}: {key} must rise, each with an upper edge but the last")


def _combination(table: Table, markers: dict[str, LabMarker], panel: Panel) -> Combination:
    gene, marker = table.get("gene"), table.get("marker")
    if gene not in {g.symbol for g in panel.genes} or marker not in markers:
        raise PanelError(f"{table.where}: unknown gene '{gene}' or marker '{marker}'")
    bands = table.strings("bands")
    unknown = set(bands) - {b.id for b in markers[marker].bands}
    if unknown:
        raise PanelError(f"{table.where}: {marker} has no band '{min(unknown)}'")
    categories = table.strings("gene_categories")
    if not set(categories) <= set(panel.categories):
        raise PanelError(f"{table.where}: gene_categories should be among {', '.join(panel.categories)}")
    item = plan_item(panel, table)
    return Combination(gene, categories, marker, bands, item.text, item.evidence, item.citations)
