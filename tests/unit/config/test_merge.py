"""The overlay merge rules, as properties over arbitrary documents."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.config.loader import load_text
from avion_workspace.config.merge import merge_data, merge_documents

keys = st.sampled_from(["a", "b", "c", "d", "e"])
leaves = st.one_of(st.integers(), st.text(max_size=3), st.booleans())
values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(leaves, st.lists(leaves, max_size=3)),
    lambda children: st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
documents = st.dictionaries(keys, values, max_size=4)
overlay_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(leaves, st.none(), st.lists(leaves, max_size=3)),
    lambda children: st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
overlays = st.dictionaries(keys, overlay_values, max_size=4)


def leaves_of(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in leaves_of(v, (*path, k))]
    return [(path, value)]


def get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def has(data: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


@given(documents)
def test_an_empty_overlay_changes_nothing(base: dict[str, Any]) -> None:
    assert merge_data(base, {}) == base


@given(documents, overlays)
def test_merge_is_idempotent(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    once = merge_data(base, overlay)
    assert merge_data(once, overlay) == once


@given(documents, overlays)
def test_overlay_leaves_win_and_nulls_remove(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    merged = merge_data(base, overlay)
    for path, value in leaves_of(overlay):
        if value is None:
            assert not has(merged, path)
        else:
            assert get(merged, path) == value  # lists replace whole, never concatenate


@given(documents, overlays)
def test_base_keys_survive_unless_overlaid(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    merged = merge_data(base, overlay)
    for path, value in leaves_of(base):
        prefixes = [path[: i + 1] for i in range(len(path))]
        replaced = any(
            has(overlay, p)
            and not (isinstance(get(overlay, p), dict) and isinstance(get(base, p), dict))
            for p in prefixes
        )
        if not replaced:
            assert get(merged, path) == value


@given(documents, overlays)
def test_inputs_are_not_modified(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    import copy

    base_before, overlay_before = copy.deepcopy(base), copy.deepcopy(overlay)
    merge_data(base, overlay)
    assert (base, overlay) == (base_before, overlay_before)


def test_locations_follow_the_values() -> None:
    base = load_text("a:\n  x: 1\n  y: [1, 2]\nb: 2\n", "base.yaml")
    overlay = load_text("a:\n  y: [3]\nb: null\n", "over.yaml")
    merged = merge_documents(base, overlay)
    assert merged.data == {"a": {"x": 1, "y": [3]}}
    assert str(merged.locate(("a", "x"))) == "base.yaml:2:6"
    assert str(merged.locate(("a", "y"))) == "over.yaml:2:6"
    assert str(merged.locate(("a", "y", 0))) == "over.yaml:2:7"
    assert str(merged.locate(("a",))) == "base.yaml:2:3"  # a mapping both write stays where based
