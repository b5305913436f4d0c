"""Standard output for people and pipes: one line at a time, closed pipes and full disks handled,
text from files never able to drive the terminal."""

import contextlib
import errno
import io
import os
import sys

import click

from itbs_geno.errors import InputError, visible


class StdoutClosed(Exception):
    """The reader of standard output went away (a closed pipe)."""


def say(text: str = "") -> None:
    """One line on standard output. A full disk or a closed pipe there is not a traceback: a
    closed pipe (`| head`) means the reader has what it wanted; anything else is one line, exit 2."""
    try:
        click.echo(text)
    except OSError as err:
        _silence_stdout()
        if err.errno == errno.EPIPE:
            raise StdoutClosed() from None
        raise InputError(f"could not write to standard output ({err.strerror or err})") from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the flush at exit cannot fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def stdout_takes_unicode() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") in ("utf8", "utf8sig")


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table on stdout: readable by people, splittable by tools (two spaces)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        say(visible("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()))


def progress_bar(quiet: bool):
    """A progress bar on a terminal's stderr, unless --quiet; otherwise a tick that does nothing."""
    @contextlib.contextmanager
    def bar(total: int):
        if quiet or not sys.stderr.isatty():
            yield lambda: None
            return
        with click.progressbar(length=total, label="Reading", file=sys.stderr) as shown:
            yield lambda: shown.update(1)
    return bar


def some(names: list[str], shown: int = 6) -> str:
    more = f" and {len(names) - shown} more (listed in team.json)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
