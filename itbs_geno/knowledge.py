"""The tool's knowledge as one validated value: the gene panel (snp_panels/) and the lab panel
(lab_panels/), loaded and checked once per process, and passed to every stage that reads them."""

import functools
from dataclasses import dataclass
from pathlib import Path

from itbs_geno.lab_panel import LabPanel, load_lab_panel
from itbs_geno.panel import Panel, load_panel


@dataclass(frozen=True)
class Knowledge:
    genes: Panel
    labs: LabPanel


@functools.cache
def load_knowledge(genes_folder: Path | None = None, labs_folder: Path | None = None) -> Knowledge:
    """Both panels, checked against each other (a lab plan item cites the gene panel's references,
    a combination names its genes and categories); raises PanelError naming the file and field."""
    genes = load_panel(genes_folder)
    return Knowledge(genes, load_lab_panel(genes, labs_folder))
