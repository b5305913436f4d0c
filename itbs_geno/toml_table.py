"""TOML knowledge files read through a table that names its file and field in every error."""

import tomllib
from pathlib import Path
from typing import Any

from itbs_geno.errors import PanelError

_REQUIRED: Any = ...          # "no default": a missing field is an error


class Table:
    """A TOML table that names its file and path in every error."""

    def __init__(self, data: dict[str, Any], where: str):
        self.data, self.where = data, where

    def get(self, key: str, kind: type | tuple[type, ...] = str, default: Any = _REQUIRED) -> Any:
        if key not in self.data:
            if default is not _REQUIRED:
                return default
            raise PanelError(f"{self.where}: missing field '{key}'")
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise PanelError(f"{self.where}: field '{key}' should be {_kind_name(kind)}, not {value!r}")
        if isinstance(value, str) and not value.strip():
            raise PanelError(f"{self.where}: field '{key}' is empty")
        return value

    def number(self, key: str, default: Any = _REQUIRED) -> Any:
        """A number as a float (TOML writes 1 for 1.0); `default` when missing and one is given."""
        value = self.get(key, (int, float), default)
        return value if value is None or value is default else float(value)

    def choice(self, key: str, options: tuple[str, ...] | list[str], default: Any = _REQUIRED) -> str:
        value = self.get(key, str, default)
        if value not in options and value != default:
            raise PanelError(f"{self.where}: field '{key}' should be one of {', '.join(options)}, not {value!r}")
        return value

    def table(self, key: str) -> "Table":
        return Table(self.get(key, dict), f"{self.where}.{key}")

    def tables(self, key: str) -> list["Table"]:
        items = self.get(key, list, [])
        if not all(isinstance(item, dict) for item in items):
            raise PanelError(f"{self.where}: field '{key}' should be a list of tables")
        return [Table(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]

    def named_tables(self, key: str) -> dict[str, "Table"]:
        """[key.NAME] tables, in file order."""
        outer = self.table(key)
        return {name: outer.table(name) for name in outer.data}

    def strings(self, key: str, default: Any = _REQUIRED) -> tuple[str, ...]:
        values = self.get(key, list, default)
        if not all(isinstance(v, str) for v in values):
            raise PanelError(f"{self.where}: field '{key}' should be a list of strings")
        return tuple(values)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({str: "text", int: "a whole number", float: "a number", bool: "true/false",
                        list: "a list", dict: "a table"}.get(k, k.__name__) for k in kinds)


def load_toml(path: Path) -> Table:
    try:
        with open(path, "rb") as fh:
            return Table(tomllib.load(fh), path.name)
    except FileNotFoundError:
        raise PanelError(f"{path.name}: missing from {path.parent}") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise PanelError(f"{path.name}: not valid TOML ({err})") from None
