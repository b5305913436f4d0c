"""The validated knowledge, kept between runs: reading and checking the TOML panels costs ~50 ms
of every command's start, unpickling the checked result ~1 ms.

The cache is keyed on everything the result depends on: the content of every panel file, the
package's own modules (the classes pickled and the checks that built them) and the tool and
Python versions, so an edited panel or a new release is read and checked afresh. A pickle runs
code when loaded, so it lives in the same private folder as the template cache and is loaded
only under the same rules (templating.private_folder / open_private). A cache that cannot be
read, written or unpickled is ignored: the panels are then read as without it.
"""

import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from itbs_geno import __version__
from itbs_geno.templating import open_private, private_folder

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent


def key(folders: tuple[Path, ...]) -> str:
    """A digest of the panel files, the package's modules and the versions."""
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    for folder in (*folders, _PACKAGE):
        for path in sorted(folder.rglob("*.py" if folder == _PACKAGE else "*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(folder)}\0{path.stat().st_size}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def cached(folders: tuple[Path, ...], build: Callable[[], T], kind: type) -> T:
    """build(), or its result from an earlier run on exactly the same files."""
    folder = private_folder()
    if folder is None:
        return build()
    path = folder / f"knowledge-{key(folders)}.pickle"
    fh = open_private(path)
    if fh:
        with fh:
            try:
                value = pickle.load(fh)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
                    IndexError, KeyError):    # truncated, or classes that changed: read afresh
                value = None
        if isinstance(value, kind):
            return value                      # type: ignore[return-value]
    value = build()
    _store(folder, path, value)
    return value


def _store(folder: Path, path: Path, value: object) -> None:
    import tempfile

    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".knowledge-")   # created 0600
    except OSError:
        return                                # a read-only cache folder: the cache is only a speed-up
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:                           # a full disk: no half-written cache is left behind
        Path(temporary).unlink(missing_ok=True)
