"""Find the shipped data folders, whether installed from a wheel or run from a checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`snp_panels` or `templates`: inside the package when installed, at the repo top in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"itbs-geno is installed without its {name}/ folder; reinstall it")
