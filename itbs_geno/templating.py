"""The Jinja environment for every page, with a compiled-template cache that is trusted like code.

Jinja's bytecode cache stores compiled templates as marshalled code objects and runs them when
loaded, so whoever can write the cache folder could run code as the next user of the tool, or
forge a report. The cache is therefore used only in a folder that this user owns and nobody else
can write (mode 0700), and a cached file is loaded only if this user owns it and nobody else can
write it (checked on the open file, so it cannot be swapped in between). Anything else, or a
cache that cannot be written (a full disk), means templates are simply compiled again (~60 ms).
"""

import functools
import os
import stat
from pathlib import Path
from typing import Any

from itbs_geno import __version__
from itbs_geno.resources import data_dir


def page(template: str, context: dict[str, Any]) -> str:
    """Render one of templates/ with autoescaping and strict undefined names."""
    return environment().get_template(template).render(**context)


@functools.cache
def environment():
    """One Jinja environment per process, so a batch compiles each template once."""
    import jinja2  # only pages need it; `call` stays fast without it
    from markupsafe import Markup

    folder = data_dir("templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             bytecode_cache=private_cache())
    env.globals["include_file"] = functools.cache(lambda name: Markup((folder / name).read_text(encoding="utf-8")))
    return env


def cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "itbs-geno" / __version__


def private_cache():
    """A bytecode cache in this user's private cache folder, or None when there is no safe one."""
    folder = private_folder()
    return _private_cache_class()(str(folder)) if folder else None


def private_folder() -> Path | None:
    """This version's cache folder if this user owns it and nobody else can write it (made so if
    need be), else None. Whatever is cached there runs as code when loaded."""
    if not hasattr(os, "geteuid"):
        return None                          # no owner to check (Windows): compile each time
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(folder)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
            os.chmod(folder, 0o700)          # ours but too open (made under an old umask): close it
            info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or not _private(info):
        return None
    return folder


def open_private(path: Path):
    """The cached file opened for reading if this user owns it and nobody else can write it (checked
    on the open file, so it cannot be swapped in between; a symlink is not followed), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None                          # not cached yet, or a symlink planted in its place
    fh = os.fdopen(fd, "rb")
    info = os.fstat(fh.fileno())
    if stat.S_ISREG(info.st_mode) and _private(info):
        return fh
    fh.close()
    return None


def _private(info: os.stat_result) -> bool:
    """Owned by this user, and neither group nor others may write it."""
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


@functools.cache
def _private_cache_class():
    import jinja2

    class PrivateBytecodeCache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            fh = open_private(Path(self._get_cache_filename(bucket)))
            if fh:
                with fh:
                    bucket.load_bytecode(fh)

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)     # a private temporary file (0600), then a rename
            except OSError:
                pass                              # a full or read-only disk: the cache is only a speed-up

    return PrivateBytecodeCache
