"""Write output files whole or not at all, under safe names."""

import os
import re
import tempfile
from pathlib import Path

from itbs_geno.errors import InputError


def write_atomic(path: Path, text: str, shareable: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file.
    The file is readable by its owner only (mode 0600), unless `shareable` (0644 less the umask)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: the folder {folder} does not exist; create it or choose another output path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as err:
        raise InputError(f"{path}: cannot write in {folder} ({err.strerror}); choose another output path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if shareable:
            os.chmod(tmp, 0o644 & ~umask())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: could not be written ({err.strerror}); nothing was saved") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_names(samples: list[str]) -> list[str]:
    """File-system-safe, distinct names for samples (VCF sample names can hold anything)."""
    names, used = [], set()
    for sample in samples:
        base = safe_name(sample)
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name.lower())
        names.append(name)
    return names


def safe_name(name: str) -> str:
    """Letters, digits, dot, dash and underscore only: safe as a file name on every system."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "sample"


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
