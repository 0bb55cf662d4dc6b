"""The validator works on the schema with its ``$defs`` references inlined: same verdicts."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import yaml
from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.config.loader import Document
from avion_workspace.config.validate import _schema_problems, inline_local_refs
from tests.support import ROOT

SCHEMA = json.loads((ROOT / "config/schema/platform.schema.json").read_text())
BASE = yaml.safe_load((ROOT / "config/platform.yaml").read_text())
ORIGINAL = jsonschema.Draft202012Validator(SCHEMA)
INLINED = jsonschema.Draft202012Validator(inline_local_refs(SCHEMA))


def _verdict(validator: jsonschema.Draft202012Validator, data: Any) -> list[tuple[Any, ...]]:
    """The problems the engine reports: message, JSON path and hint of each."""
    document = Document("platform.yaml", data)
    return sorted(
        (p.message, p.json_path or "", p.hint or "") for p in _schema_problems(document, validator)
    )


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(BASE)[1:]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["x", "name", "port", "http"]), st.integers(), max_size=2),
)


def test_the_real_config_is_valid_both_ways() -> None:
    assert _verdict(ORIGINAL, BASE) == _verdict(INLINED, BASE) == []


@given(st.lists(st.tuples(st.sampled_from(PATHS), JUNK), min_size=1, max_size=3))
def test_any_broken_config_gets_the_same_errors_both_ways(edits: list[tuple[Any, Any]]) -> None:
    data = copy.deepcopy(BASE)
    for path, junk in edits:
        node = data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced an ancestor
    assert _verdict(ORIGINAL, data) == _verdict(INLINED, data)


def test_siblings_stay_beside_the_reference_and_recursion_is_left_alone() -> None:
    schema = {
        "$defs": {
            "port": {"type": "integer", "minimum": 1},
            "tree": {"type": "object", "properties": {"child": {"$ref": "#/$defs/tree"}}},
        },
        "properties": {
            "a": {"$ref": "#/$defs/port", "maximum": 10},
            "b": {"$ref": "#/$defs/port"},
            "t": {"$ref": "#/$defs/tree"},
            "gone": {"$ref": "#/$defs/missing"},
        },
    }
    inlined = inline_local_refs(schema)
    assert inlined["properties"]["a"] == {
        "allOf": [{"type": "integer", "minimum": 1}],
        "maximum": 10,
    }
    assert inlined["properties"]["b"] == {"type": "integer", "minimum": 1}
    assert inlined["properties"]["t"]["properties"]["child"] == {"$ref": "#/$defs/tree"}
    assert inlined["properties"]["gone"] == {"$ref": "#/$defs/missing"}
    assert inlined["$defs"] == schema["$defs"]
    validator = jsonschema.Draft202012Validator(inlined)
    assert not validator.is_valid({"a": 11})
    assert validator.is_valid({"a": 5, "t": {"child": {}}})


def _distinct_nodes(node: Any, seen: set[int] | None = None) -> int:
    """How many distinct dicts and lists ``node`` holds (a shared one counts once)."""
    seen = set() if seen is None else seen
    if not isinstance(node, dict | list) or id(node) in seen:
        return 0
    seen.add(id(node))
    children = node.values() if isinstance(node, dict) else node
    return 1 + sum(_distinct_nodes(child, seen) for child in children)


def test_definitions_referring_twice_to_each_other_stay_linear() -> None:
    # Each level's "a" and "b" are both the next level: written out, 2**levels copies of the
    # last (a few kilobytes of schema took minutes and gigabytes at 26 levels).
    levels = 16
    defs: dict[str, Any] = {
        f"l{i}": {
            "type": "object",
            "properties": {"a": {"$ref": f"#/$defs/l{i + 1}"}, "b": {"$ref": f"#/$defs/l{i + 1}"}},
        }
        for i in range(levels)
    }
    defs[f"l{levels}"] = {"type": "integer"}
    inlined = inline_local_refs({"$defs": defs, "properties": {"top": {"$ref": "#/$defs/l0"}}})
    assert _distinct_nodes(inlined) < 3 * _distinct_nodes(defs)
    validator = jsonschema.Draft202012Validator(inlined)
    deep: Any = "not an integer"
    for _ in range(levels):
        deep = {"a": deep}
    assert not validator.is_valid({"top": deep})
    assert validator.is_valid({"top": {"a": {"b": {}}}})


def test_what_a_reference_does_not_mean_plainly_is_left_to_the_validator() -> None:
    schema = {
        "$defs": {
            "a/b": {"type": "integer"},
            "a~1b": {"type": "string"},  # what "#/$defs/a~1b" does NOT point to
            "own": {
                "$id": "https://example.invalid/own",
                "$defs": {"label": {"type": "integer"}},
                "$ref": "#/$defs/label",  # its own label, not the root's
            },
            "label": {"type": "string"},
            "anchored": {"$anchor": "here", "type": "boolean"},
        },
        "properties": {
            "escaped": {"$ref": "#/$defs/a~1b"},
            "own": {"$ref": "#/$defs/own"},
            "fixed": {"const": {"$ref": "#/$defs/label"}},
            "anchored": {"$ref": "#/$defs/anchored"},
            "embedded": {
                "$id": "https://example.invalid/embedded",
                "$defs": {"label": {"type": "null"}},
                "properties": {"x": {"$ref": "#/$defs/label"}},
            },
        },
    }
    inlined = inline_local_refs(schema)
    props = inlined["properties"]
    assert props["escaped"] == {"$ref": "#/$defs/a~1b"}
    assert props["own"] == {"$ref": "#/$defs/own"}
    assert props["fixed"] == {"const": {"$ref": "#/$defs/label"}}
    assert props["anchored"] == {"$ref": "#/$defs/anchored"}
    assert props["embedded"] == schema["properties"]["embedded"]  # type: ignore[index]
    original = jsonschema.Draft202012Validator(schema)
    validator = jsonschema.Draft202012Validator(inlined)
    for instance in (
        {"escaped": 1},
        {"escaped": "x"},
        {"own": 1},
        {"own": "x"},
        {"fixed": {"$ref": "#/$defs/label"}},
        {"fixed": {"type": "string"}},
        {"embedded": {"x": None}},
        {"embedded": {"x": "x"}},
    ):
        assert validator.is_valid(instance) == original.is_valid(instance), instance
