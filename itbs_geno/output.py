"""Write output files whole or not at all, under safe names."""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from itbs_geno.errors import InputError


def write_atomic(path: Path, text: str | bytes, shareable: bool = False) -> None:
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
        if isinstance(text, bytes):                   # a spreadsheet (team.xlsx)
            with os.fdopen(fd, "wb") as out:
                out.write(text)
        else:
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


# Names Windows keeps for devices, with or without an extension ("con.html" opens the console).
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(10))}
MAX_NAME = 100          # with a suffix, well under every file system's 255-byte limit


def safe_name(name: str) -> str:
    """Letters, digits, dot, dash and underscore only, not a Windows device name, at most
    MAX_NAME characters: safe as a file name on every system. A shortened name ends in a
    hash of the whole, so distinct long names stay distinct."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "sample"
    stem, dot, rest = safe.partition(".")
    if stem.upper() in _WINDOWS_DEVICES:
        safe = f"{stem}_{dot}{rest}"
    if len(safe) > MAX_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe[:MAX_NAME - 9].rstrip('._')}_{digest}"
    return safe


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
