"""jsonout.dumps is json.dumps(indent=2), byte for byte, sorted or not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.render import jsonout

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities go to json.dumps itself
    st.text(),
)
_DATA = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


@given(_DATA, st.booleans())
def test_the_same_bytes_as_json_dumps(data: Any, sort_keys: bool) -> None:
    assert jsonout.dumps(data, sort_keys=sort_keys) == json.dumps(
        data, indent=2, sort_keys=sort_keys
    )


@given(
    st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none()), st.integers(), max_size=3)
)
def test_keys_json_converts_go_to_json_itself(data: dict[Any, int]) -> None:
    assert jsonout.dumps(data) == json.dumps(data, indent=2)


def test_edges() -> None:
    for data in ({}, [], {"a": {}}, {"a": []}, [[[]]], "é\u2028\x00", 1e300, -0.0, True, None):
        assert jsonout.dumps(data) == json.dumps(data, indent=2)


def test_a_circular_reference_is_reported_as_json_reports_it() -> None:
    # json.dumps says "Circular reference detected" (ValueError); the writer must not answer
    # with a RecursionError from its own recursion instead.
    ring: list[Any] = []
    ring.append(ring)
    loop: dict[str, Any] = {}
    loop["a"] = {"b": [loop]}
    for data in (ring, loop):
        with pytest.raises(ValueError, match="Circular reference detected"):
            json.dumps(data, indent=2)
        with pytest.raises(ValueError, match="Circular reference detected"):
            jsonout.dumps(data)
