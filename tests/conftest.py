import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "sample_genomes"
# Third-party files copied byte for byte from ../shared/real_genomes, each folder with its
# PROVENANCE.md, so the suite runs on a fresh clone with nothing beside it.
REAL_GENOMES = DATA / "third_party"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/* from the current output (review the diff!)")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """The tool must never touch the network: any socket connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("itbs-geno tried to open a network connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def panel():
    from itbs_geno.panel import load_panel
    return load_panel()


@pytest.fixture(scope="session")
def knowledge():
    from itbs_geno.knowledge import load_knowledge
    return load_knowledge()


@pytest.fixture
def panel_copy(tmp_path):
    """A copy of snp_panels/ to edit, loaded afresh (the panel loader caches)."""
    from itbs_geno.panel import load_panel
    from itbs_geno.resources import data_dir

    folder = tmp_path / "snp_panels"
    shutil.copytree(data_dir("snp_panels"), folder)
    load_panel.cache_clear()
    yield folder
    load_panel.cache_clear()


# A small panel of two genes and three markers, copied from the shipped files (its README.md says
# how), so behaviour tests need not pin snp_panels/; and a test-only marker to add to a panel copy.
TEST_PANEL = DATA / "test_panel"
EXTRA_MARKER = DATA / "extra_marker.toml"
EXTRA_MARKER_ID, EXTRA_MARKER_RSID = "COL5A1_TESTONLY", "rs999999901"


@pytest.fixture(scope="session")
def small_panel():
    from itbs_geno.panel import load_panel
    return load_panel(TEST_PANEL / "snp_panels")


@pytest.fixture(scope="session")
def small_lab_panel(small_panel):
    from itbs_geno.lab_panel import load_lab_panel
    return load_lab_panel(small_panel, TEST_PANEL / "lab_panels")


def add_extra_marker(folder):
    """Append the test-only marker to the COL5A1 file of a panel copy: no genome file carries it."""
    with open(folder / "COL5A1.toml", "a", encoding="utf-8") as fh:
        fh.write(EXTRA_MARKER.read_text(encoding="utf-8"))


@pytest.fixture
def use_panel(tmp_path, monkeypatch):
    """use_panel(snp_panels, lab_panels=None): the tool (CLI, pipeline, batch workers, which fork)
    loads its panels from these folders instead of the shipped ones, templates unchanged."""
    from itbs_geno import resources
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.panel import load_panel

    def use(snp_panels, lab_panels=None):
        root = tmp_path / "data_root" / "itbs_geno"
        root.mkdir(parents=True)
        (root / "snp_panels").symlink_to(Path(snp_panels).resolve())
        (root / "lab_panels").symlink_to(Path(lab_panels or resources.data_dir("lab_panels")).resolve())
        (root / "templates").symlink_to(resources.data_dir("templates"))
        monkeypatch.setattr(resources, "_PACKAGE", root)      # data_dir looks here first
        load_panel.cache_clear()
        load_knowledge.cache_clear()
    yield use
    load_panel.cache_clear()
    load_knowledge.cache_clear()


def over_panel(panel, known, absent=None):
    """The expected value for every marker of the panel, by rsid: `known` for the markers a file
    carries, `absent` (not tested) for the rest, so a marker the file lacks changes no test."""
    rsids = [m.rsid for m in panel.markers]
    assert set(known) <= set(rsids), f"not in the panel: {sorted(set(known) - set(rsids))}"
    return {rsid: known.get(rsid, absent) for rsid in rsids}


def edit(path, old, new):
    """Replace text that occurs exactly once in a panel file (so a test edits what it means to)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text {old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def break_writes(monkeypatch, write) -> None:
    """Outputs are written through a handle whose write(text) calls `write(handle, text)`: a full disk,
    a kill in the middle of a report."""
    import os

    from itbs_geno import output

    real_fdopen = os.fdopen

    class Broken:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            write(self.handle, text)

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        return Broken(handle) if "w" in mode else handle     # reads (the template cache) stay real

    monkeypatch.setattr(output.os, "fdopen", fdopen)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, one per test module (tests/browsing.py finds it)."""
    from browsing import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
