"""json.dumps(value, indent=2) for many similar objects, at the speed of the C encoder.

With `indent`, the standard library encodes in pure Python (its C encoder has no indent), which
took 4 of the 5 seconds of `call --json` on 3,202 samples. Samples of a cohort share most of
their parts (the same marker with the same genotype, the same plan step), so each part's
indented text is kept, keyed on its compact encoding (made by the C encoder) and its depth, and
written once per distinct part. The text is exactly json.dumps(value, indent=2) (tests/test_json_text.py).
"""

import json
import math
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

_SPACES = "  "
SHARED_DEPTH = 3        # a sample in `call --json`'s list sits at depth 1, its markers' entries at 3


class IndentedJson:
    """One encoder per output: its cache holds the distinct parts seen so far."""

    def __init__(self, ensure_ascii: bool = True) -> None:
        self.ensure_ascii = ensure_ascii
        self._parts: dict[tuple[int, str], str] = {}
        self._compact = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=False, separators=(",", ":")).encode
        self._string = encode_basestring_ascii if ensure_ascii else encode_basestring

    def dumps(self, value: Any, depth: int = 0) -> str:
        """json.dumps(value, indent=2, ensure_ascii=..., allow_nan=False), every line after the first
        indented by `depth` levels more (as if it sat `depth` levels deep in a larger value)."""
        if type(value) is str:
            return self._string(value)
        if not isinstance(value, (dict, list)) or not value:
            return self._leaf(value)
        # Whole samples are all different: only their parts (from SHARED_DEPTH on) are worth keeping.
        key = (depth, self._compact(value) if depth >= SHARED_DEPTH else "")
        text = self._parts.get(key) if key[1] else None
        if text is None:
            inner = "\n" + _SPACES * (depth + 1)
            if isinstance(value, dict) and not all(isinstance(k, str) for k in value):
                # json's own spelling of other keys (true, null, 1.0): let it write this part
                plain = json.dumps(value, indent=2, ensure_ascii=self.ensure_ascii, allow_nan=False)
                text = plain.replace("\n", "\n" + _SPACES * depth)
            elif isinstance(value, dict):
                items = [self._string(k) + ": " + self.dumps(v, depth + 1)
                         for k, v in value.items()]
                text = "{" + inner + ("," + inner).join(items) + "\n" + _SPACES * depth + "}"
            else:
                items = [self.dumps(v, depth + 1) for v in value]
                text = "[" + inner + ("," + inner).join(items) + "\n" + _SPACES * depth + "]"
            if key[1]:
                self._parts[key] = text
        return text

    def _leaf(self, value: Any) -> str:
        if value is None:
            return "null"
        if value is True or value is False:
            return "true" if value else "false"
        if type(value) is int:
            return int.__repr__(value)
        if type(value) is float and math.isfinite(value):
            return float.__repr__(value)
        return json.dumps(value, ensure_ascii=self.ensure_ascii, allow_nan=False)   # anything else: as json does
