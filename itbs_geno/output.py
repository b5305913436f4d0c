"""Write output files whole or not at all."""

import os
import tempfile
from pathlib import Path

from itbs_geno.errors import InputError


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file."""
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
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: could not be written ({err.strerror}); nothing was saved") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
