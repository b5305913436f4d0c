"""Errors the user can act on. Each message names the file and says what to do."""


class InputError(Exception):
    """Bad input or usage: the CLI prints the message on one line and exits 2."""


class FormatError(InputError):
    """The file is not in a format we can read."""


class PanelError(Exception):
    """The shipped panel data is inconsistent: a bug in the data, not in the user's input."""
