"""Errors the user can act on. Each message names the file and says what to do."""


class InputError(Exception):
    """Bad input or usage: the CLI prints the message on one line and exits 2."""


class FormatError(InputError):
    """The file is not in a format we can read."""


class PanelError(Exception):
    """The shipped panel data is inconsistent: a bug in the data, not in the user's input."""


def visible(text: str) -> str:
    """`text` with every character that is not printable (controls, bidirectional overrides,
    zero-width and other invisible characters, line separators) shown as an escape (\\x1b,
    \\u202e), so text quoted from a file can neither drive the terminal (colours, titles, clearing
    the screen), nor reorder or hide what it shows, nor break a one-line message."""
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)


def _escape(char: str) -> str:
    """As Python's unicode_escape writes it."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
