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
