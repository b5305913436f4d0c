"""The panel loader refuses inconsistent data, naming file and field. It runs on a copy of the small
test panel (tests/data/test_panel), so a change to the shipped panel changes nothing here."""

import shutil
from pathlib import Path

import pytest

from itbs_geno.errors import PanelError
from itbs_geno.panel import load_panel

from conftest import TEST_PANEL, edit


@pytest.fixture
def panel_copy(tmp_path):
    """A copy of the small test panel to edit (load_panel caches by folder; each copy is new)."""
    return Path(shutil.copytree(TEST_PANEL / "snp_panels", tmp_path / "snp_panels"))


@pytest.mark.parametrize("file, old, new, message", [
    ("ACTN3.toml", "[markers.genotypes.TT]", "[markers.genotypes.XX_removed]",
     'ACTN3.toml.markers[0].genotypes: genotype "TT" has no interpretation'),
    ("ACTN3.toml", "GRCh38 = 66560624", "GRCh36 = 1",
     "ACTN3.toml.markers[0]: field 'positions' needs a GRCh38 position"),
    ("ACTN3.toml", 'citations = ["zouhal2023", "shang2015"]', 'citations = ["nobody2099"]',
     "ACTN3.toml.markers[0].genotypes.CC: citation 'nobody2099' is not in references.toml"),
    ("ACTN3.toml", 'category = "higher"', 'category = "doomed"',
     "ACTN3.toml.markers[0].genotypes.TT: category 'doomed' is not one of"),
    ("ACTN3.toml", 'alt = "T"', 'alt = "Q"', "ACTN3.toml.markers[0]: field 'alt' = 'Q' is not a valid snp allele"),
    ("ACTN3.toml", "palindromic = false", "palindromic = true", "ACTN3.toml.markers[0]: field 'palindromic' is True"),
    ("ACTN3.toml", 'gene = "ACTN3"', 'gene = "ACTN4"', "ACTN3.toml: field 'gene' is 'ACTN4'"),
    ("panel.toml", '"ACTN3"]', '"ACTN3", "TTN"]', "TTN.toml: missing from"),
    ("ACTN3.toml", "[limits]", "[limits_gone]", "ACTN3.toml: missing field 'limits'"),
])
def test_inconsistent_panel_fails_at_load_time_naming_file_and_field(panel_copy, file, old, new, message):
    edit(panel_copy / file, old, new)
    with pytest.raises(PanelError) as err:
        load_panel(panel_copy)
    assert message in str(err.value)


def test_broken_toml_is_named(panel_copy):
    (panel_copy / "MMP3.toml").write_text("gene = \n", encoding="utf-8")
    with pytest.raises(PanelError, match=r"MMP3.toml: not valid TOML"):
        load_panel(panel_copy)
