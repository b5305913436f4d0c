"""Errors the user can act on. Each message names the file and says what to do."""


class InputError(Exception):
    """Bad input or usage: the CLI prints the message on one line and exits 2."""


class FormatError(InputError):
    """The file is not in a format we can read."""


class PanelError(Exception):
    """The shipped panel data is inconsistent: a bug in the data, not in the user's input."""


# Bidirectional overrides and invisible characters: they reorder or hide what a terminal shows.
_INVISIBLE = frozenset("\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2060\u2066\u2067\u2068\u2069\ufeff")


def visible(text: str) -> str:
    """`text` with control, bidirectional and invisible characters shown as escapes (\\x1b, \\u202e),
    so text quoted from a file can neither drive the terminal (colours, titles, clearing the
    screen) nor break a one-line message."""
    return "".join(_escape(c) if c in _INVISIBLE or (c < " " or "\x7f" <= c < "\xa0") else c for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
