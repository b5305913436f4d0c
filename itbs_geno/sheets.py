"""CSV sheets that people fill in (lab sheets, rosters): read whole and checked before any work
starts, and shown safely when a cell appears in a message or on a page."""

import codecs
import csv
import io
import os
import stat
import unicodedata
from pathlib import Path

from itbs_geno.errors import InputError, visible

# A squad's lab sheet or roster is a few hundred KB; anything this big is not one.
MAX_BYTES = 16 << 20
QUOTE_LIMIT = 60

# Bidi overrides and isolates, zero-width spaces, BOMs and other invisible format characters
# (Unicode category Cf) can make a name read differently from what it is. ZWNJ and ZWJ are
# kept: some scripts (Persian, Indic) and emoji need them.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text from a file for a one-line message: in double quotes, control, bidirectional and
    other invisible characters escaped (\\x0a, \\x1b, \\u202e, \\u2028), at most `limit` characters."""
    return f'"{visible(text[:limit])}{"…" if len(text) > limit else ""}"'


def display(text: str) -> str:
    """A name for a page: invisible format characters dropped, control characters made spaces."""
    kept = (" " if unicodedata.category(c) == "Cc" else c for c in text
            if unicodedata.category(c) != "Cf" or c in _KEPT_FORMAT)
    return " ".join("".join(kept).split())


def read_csv(path: Path, kind: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The sheet's column names (stripped, lower case; blank ones dropped) and its non-blank rows
    as (row number, {column: cell stripped}). Refuses with one line what is not a CSV sheet."""
    text = _text(path, kind)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise InputError(f"{path}: not a readable CSV {kind} ({err}); save it as CSV UTF-8") from None
    header = [c.strip().lower() for c in records[0]] if records else []
    seen = set()
    for name in header:
        if name and name in seen:
            raise InputError(f"{path}: the column {quoted(name)} appears twice; keep one")
        seen.add(name)
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        # strict=False: a hand-edited sheet may have rows shorter than the header (missing cells are
        # empty) or longer (cells under no heading are ignored); neither is worth refusing the file
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        if any(row.values()):
            rows.append((number, row))
    return [c for c in header if c], rows


def _text(path: Path, kind: str) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such {kind}; check the path") from None
    except OSError as err:
        raise InputError(f"{path}: the {kind} cannot be read ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a folder; give the {kind} CSV file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file; save the {kind} as a CSV file and give its path")
    if info.st_size > MAX_BYTES:
        raise InputError(f"{path}: {info.st_size / (1 << 20):.0f} MiB is far too big for a {kind} "
                         f"(limit {MAX_BYTES >> 20} MiB); check that this is the right file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(f"{path}: the {kind} cannot be read ({err.strerror})") from None
    # Excel's "Unicode text" and some Windows tools save UTF-16 with a byte-order mark.
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: the {kind} is not UTF-8 text ({err.reason} at byte {err.start}); "
                         f"save it as CSV UTF-8") from None
