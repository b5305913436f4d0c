"""The cached indented encoder writes exactly what json.dumps(indent=2) writes."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itbs_geno.json_text import IndentedJson

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


@settings(max_examples=300, derandomize=True)
@given(values=st.lists(VALUES, min_size=1, max_size=5), ensure_ascii=st.booleans())
def test_the_text_is_json_dumps_with_indent_2(values, ensure_ascii):
    encoder = IndentedJson(ensure_ascii)
    for value in values + values:                      # the second time from the cache
        assert encoder.dumps(value) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii, allow_nan=False)


def test_a_part_seen_at_another_depth_is_indented_for_that_depth():
    encoder = IndentedJson()
    part = {"gene": "ACTN3", "rsid": ["rs1815739"], "more": {"a": [1, {"b": [2]}]}}
    deep = [[[[part]]], {"x": {"y": part}}, part]
    assert encoder.dumps(deep) == json.dumps(deep, indent=2)
    assert encoder.dumps([part, deep], depth=1) == json.dumps([part, deep], indent=2).replace("\n", "\n  ")


def test_keys_that_are_not_text_are_spelt_as_json_spells_them():
    value = [{1: "a", None: [1], False: {}, 2.5: "b"}]
    assert IndentedJson().dumps(value) == json.dumps(value, indent=2)


def test_not_a_number_is_refused_as_json_does():
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        IndentedJson().dumps({"x": [math.nan]})
