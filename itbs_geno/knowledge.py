"""The tool's knowledge as one validated value: the gene panel (snp_panels/) and the lab panel
(lab_panels/), loaded and checked once per process, and passed to every stage that reads them."""

import functools
from dataclasses import dataclass
from pathlib import Path

from itbs_geno.lab_model import LabPanel
from itbs_geno.panel_model import Panel


@dataclass(frozen=True)
class Knowledge:
    genes: Panel
    labs: LabPanel


@functools.cache
def load_knowledge(genes_folder: Path | None = None, labs_folder: Path | None = None) -> Knowledge:
    """Both panels, checked against each other (a lab plan item cites the gene panel's references,
    a combination names its genes and categories); raises PanelError naming the file and field.
    The shipped panels, once checked, are kept in the user's cache (knowledge_cache.py)."""
    if genes_folder is None and labs_folder is None:
        from itbs_geno.knowledge_cache import cached
        from itbs_geno.resources import data_dir

        return cached((data_dir("snp_panels"), data_dir("lab_panels")), _load, Knowledge)
    return _load(genes_folder, labs_folder)


def _load(genes_folder: Path | None = None, labs_folder: Path | None = None) -> Knowledge:
    # The loaders (TOML, the checks) are imported only when the cache cannot answer: ~20 ms of start-up.
    from itbs_geno.lab_panel import load_lab_panel
    from itbs_geno.panel import load_panel

    genes = load_panel(genes_folder)
    return Knowledge(genes, load_lab_panel(genes, labs_folder))
