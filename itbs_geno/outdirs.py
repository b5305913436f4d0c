"""The batch's output folder: one run at a time, and no temporary files left by a killed run."""

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from itbs_geno.errors import InputError

LOCK = ".itbs-geno.lock"


@contextmanager
def locked(outdir: Path) -> Iterator[None]:
    """Hold the output folder for one run: a second run into the same folder is refused with
    one line. Temporary files that a killed run left behind are removed first. A folder made
    here is removed again if the run stops before writing anything into it."""
    created = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{outdir}: cannot create the output folder ({err.strerror})") from None
    path = outdir / LOCK
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise InputError(f"{outdir}: cannot write in the output folder ({err.strerror})") from None
        try:
            taken = _lock(fd)
        except InputError:
            os.close(fd)
            raise
        if not taken:
            os.close(fd)
            raise InputError(f"{outdir}: another itbs-geno batch is writing to this folder; wait for it to finish "
                             f"or choose another output folder")
        # A run that just finished removes the lock file: make sure we hold the one that is there.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        _remove_partial_files(outdir)
        yield
    except BaseException:
        # An interrupt can land between a temporary file's creation and the write that would remove
        # it on failure (inside mkstemp): while the folder is ours, every such file is this run's.
        _remove_partial_files(outdir)
        _release(path, fd)
        if created:
            try:
                outdir.rmdir()              # only if empty
            except OSError:
                pass
        raise
    _release(path, fd)


def _release(path: Path, fd: int) -> None:
    """Remove the lock file and let go of it."""
    if os.name != "nt":                     # POSIX: unlink while holding, so no one locks a lost file
        path.unlink(missing_ok=True)
    os.close(fd)
    if os.name == "nt":                     # Windows cannot remove an open file; another run may hold it now
        try:
            path.unlink()
        except OSError:
            pass


def _lock(fd: int) -> bool:
    """An exclusive lock on the open lock file, without waiting: True when taken."""
    try:
        if sys.platform == "win32":            # not os.name: type checkers follow sys.platform
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as err:                  # e.g. a network file system without locks
        raise InputError(f"cannot lock the output folder ({err.strerror}); choose a local folder") from None
    return True


# output.write_atomic's temporary files: ".<name>.<8 random characters>.part".
_PARTIAL = re.compile(r"\..+\.(html|json|csv|xlsx|ics|pdf)\.[a-z0-9_]{8}\.part")


def _remove_partial_files(outdir: Path) -> None:
    """A run stopped by SIGKILL or a power cut leaves its temporary files (whole genotype
    reports); the next run into the folder removes them."""
    for path in outdir.iterdir():
        if _PARTIAL.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
