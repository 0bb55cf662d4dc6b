"""YAML documents: the engine's own writer against libyaml, byte for byte, and read back equal."""

from __future__ import annotations

import string
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.config import load_platforms
from avion_workspace.render import infrastructure, yamlout
from avion_workspace.render.plan import RenderContext, build_plan
from avion_workspace.render.yamlout import BlockStringDumper, libyaml_yaml, to_yaml
from tests.support import ROOT

# Strings that libyaml must quote, or that read back as something else when plain.
# fmt: off
_TRICKY = [
    "", " ", "  ", " a", "a ", "a  b", "yes", "No", "ON", "off", "y", "n", "true", "False", "null",
    "Null", "~", "0", "-1", "+1", "1_000", "0x1F", "0o17", "017", "0b101", "1.5", "1e3", ".5",
    ".inf", "-.Inf", ".nan", "1:20", "190:20:30", "2024-01-31", "2001-12-14t21:59:43.10-05:00",
    "=", "<<", "-", "--", "---", "--- a", "---a", "...", "....", "- a", "-a", "?", "? a", "?a",
    ":", ": a", ":a", "a:", "a: b", "a:b", "a :b", "a #b", "a#b", "#a", "a,b", "[a]", "a[0]",
    "{a}", "a}", "&a", "*a", "!a", "!!str", "|", "|a", ">", ">a", "'", "'a'", "a'b", "''", '"',
    'a"b', "\\", "a\\nb", "%a", "@a", "`a", "a`", "a\tb", "\t", "a\nb", "a\n", "\n", "a\n\n",
    "\na", " \na", "a \nb", "a\n b", "a\r\nb", "\x00", "\x07", "\x1b[0m", "\x7f", "\x85", "\xa0",
    "\u2028", "\ufeff", "é", "日本", "😀", "{{ .Values.name }}", "https://example.invalid/a#b",
    "sum(rate(x[5m])) by (le)", "a" * 129, "a" * 128,
]
# fmt: on
_WORD = st.text(alphabet=string.ascii_letters + string.digits + "'#:-_./{}", max_size=12)


@st.composite
def _sentences(draw: st.DrawFn) -> str:
    """Long lines of words: what libyaml breaks at a space past its width of 100."""
    words = draw(st.lists(_WORD, min_size=1, max_size=40))
    separators = draw(st.lists(st.sampled_from([" ", " ", " ", "  ", "' ", " '"]), min_size=40))
    text = "".join(word + separator for word, separator in zip(words, separators, strict=False))
    return draw(st.sampled_from([text, text.strip(), text.rstrip(), "'" + text + "'"]))


_ASCII_LINE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E))
_STRINGS = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(),
    _ASCII_LINE,
    _sentences(),
    st.builds(lambda a, b: a + b, st.sampled_from(_TRICKY), _ASCII_LINE),
    st.builds(lambda n: "x" * n, st.integers(min_value=90, max_value=140)),
)
_KEYS = st.one_of(_STRINGS, st.integers(), st.booleans(), st.none())


def _documents(
    strings: st.SearchStrategy[str],
    keys: st.SearchStrategy[Any],
    floats: bool = False,  # PyYAML's safe representer, the reference for floats, has no tuples
) -> Any:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), strings)
    if floats:
        scalars |= st.floats(allow_nan=False)
    trees = st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
            st.nothing() if floats else st.lists(children, max_size=3).map(tuple),
        ),
        max_leaves=30,
    )
    return st.one_of(st.lists(trees, max_size=4), st.dictionaries(keys, trees, max_size=4))


def _plain(data: Any) -> Any:
    """``data`` as YAML reads it back: tuples become lists."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(item) for item in data]
    return data


@given(_documents(_STRINGS, _KEYS))
def test_documents_are_what_libyaml_writes_and_read_back_equal(data: Any) -> None:
    text = to_yaml(data)
    assert text == libyaml_yaml(data)
    assert yaml.safe_load(text) == _plain(data)


@given(_documents(_STRINGS, _KEYS, floats=True))
def test_documents_with_floats_are_what_libyaml_writes(data: Any) -> None:
    text = to_yaml(data)
    assert text == libyaml_yaml(data)
    assert yaml.safe_load(text) == data


# The engine's own data: one-line printable ASCII strings, keys libyaml writes as simple keys.
_WRITTEN_STRINGS = st.one_of(
    st.sampled_from([s for s in _TRICKY if s.isascii() and s.isprintable()]),
    _ASCII_LINE,
    _sentences(),
)


_SIMPLE_KEYS = st.one_of(
    _WRITTEN_STRINGS.filter(lambda s: len(s) <= 128), st.integers(), st.booleans(), st.none()
)


@given(_documents(_WRITTEN_STRINGS, _SIMPLE_KEYS))
def test_one_line_ascii_documents_are_written_without_libyaml(data: Any) -> None:
    """The fast path is the path: for the shapes the engine emits, libyaml is not called."""
    expected = libyaml_yaml(data)
    if data:  # an empty document is libyaml's "{}" or "[]"
        with mock.patch.object(yamlout, "libyaml_yaml", side_effect=AssertionError("fell back")):
            assert to_yaml(data) == expected
    else:
        assert to_yaml(data) == expected


@given(_documents(st.text(), st.text(max_size=8)))
def test_the_reference_is_pyyaml_safe_dump_with_literal_blocks(data: Any) -> None:
    """libyaml_yaml builds the nodes itself (without PyYAML's per-node representer dispatch):
    the same text as PyYAML's safe representer (multi-line strings as literal blocks) and the
    same (libyaml) emitter write."""
    data = _plain(data)  # PyYAML's safe representer has no tuples
    expected = yaml.dump(
        data, Dumper=BlockStringDumper, sort_keys=False, default_flow_style=False, width=100
    )
    assert libyaml_yaml(data) == expected


def test_every_short_string_as_key_value_and_item() -> None:
    """Every printable ASCII string of up to two characters, and of three over the characters
    libyaml's rules look at: the same text as libyaml's, in each place a scalar takes."""
    printable = [chr(c) for c in range(0x20, 0x7F)]
    special = " -?:#.'\"!&*a0"
    strings = ["", *printable, *(a + b for a in printable for b in printable)]
    strings += [a + b + c for a in special for b in special for c in special]
    data = {"map": {s: s for s in strings}, "seq": strings, "nested": [[s] for s in strings]}
    with mock.patch.object(yamlout, "libyaml_yaml", side_effect=AssertionError("fell back")):
        text = to_yaml(data)
    assert text == libyaml_yaml(data)
    assert yaml.safe_load(text) == data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "{}\n"),
        ([], "[]\n"),
        (
            {"a": {}, "b": [], "c": None, "d": True, "e": -3},
            "a: {}\nb: []\nc: null\nd: true\ne: -3\n",
        ),
        ({"a": ["x", {"k": 1, "l": [2]}]}, "a:\n- x\n- k: 1\n  l:\n  - 2\n"),
        ([["a", "b"], [[]]], "- - a\n  - b\n- - []\n"),
        ({"yes": "no", "": "1", "'": ": x"}, "'yes': 'no'\n'': '1'\n'''': ': x'\n"),
        ({1: "a", None: "b", False: "c"}, "1: a\nnull: b\nfalse: c\n"),
        (
            {"description": " ".join(["word"] * 25)},
            "description: " + " ".join(["word"] * 18) + "\n  " + " ".join(["word"] * 7) + "\n",
        ),
        ({"a": "line one\nline two\n"}, "a: |\n  line one\n  line two\n"),
        # keys up to 128 characters are simple keys, longer ones explicit
        ({"a" * 128: 1, "b" * 129: 2}, "a" * 128 + ": 1\n? " + "b" * 129 + "\n: 2\n"),
        # a quoted string is not broken at its last character, nor at its first
        ({"k": "w" * 95 + " x "}, "k: '" + "w" * 95 + " x '\n"),
        ({"k" * 100: " x y"}, "k" * 100 + ": ' x\n  y'\n"),
        # nor at a space next to another space
        ({"k": "w" * 95 + " xy  z"}, "k: " + "w" * 95 + " xy  z\n"),
        ({"k": "w" * 95 + "  xy z"}, "k: " + "w" * 95 + "  xy\n  z\n"),
        # continuation lines are indented past the item's dash
        ([["y" * 97 + " z"]], "- - " + "y" * 97 + "\n    z\n"),
    ],
)
def test_examples(data: Any, expected: str) -> None:
    assert to_yaml(data) == expected
    assert libyaml_yaml(data) == expected


@pytest.fixture(scope="module")
def real_documents() -> tuple[list[Any], list[Any]]:
    """Every document the real config's render plan writes through ``to_yaml``, and those of
    them that went to libyaml."""
    documents: list[Any] = []
    fallbacks: list[Any] = []

    def recording(data: Any) -> str:
        documents.append(data)
        return to_yaml(data)

    def falling_back(data: Any) -> str:
        fallbacks.append(data)
        return libyaml_yaml(data)

    with (
        mock.patch.object(infrastructure, "to_yaml", recording),
        mock.patch.object(yamlout, "libyaml_yaml", falling_back),
    ):
        build_plan(RenderContext(load_platforms(ROOT / "config")))
    return documents, fallbacks


def _has_multiline_string(data: Any) -> bool:
    if isinstance(data, str):
        return "\n" in data
    if isinstance(data, dict):
        return any(_has_multiline_string(v) for v in data.values())
    if isinstance(data, list | tuple):
        return any(_has_multiline_string(v) for v in data)
    return False


def test_the_real_configs_documents_are_what_libyaml_writes(
    real_documents: tuple[list[Any], list[Any]],
) -> None:
    documents, _ = real_documents
    assert len(documents) > 100
    assert [to_yaml(d) for d in documents] == [libyaml_yaml(d) for d in documents]


def test_only_documents_with_multiline_strings_go_to_libyaml(
    real_documents: tuple[list[Any], list[Any]],
) -> None:
    documents, fallbacks = real_documents
    expected = [d for d in documents if _has_multiline_string(d)]
    assert 0 < len(expected) < len(documents) // 10
    assert fallbacks == expected


# What Helm reads (go-yaml v2 through sigs.k8s.io/yaml, checked with a probe program built on
# it): y/Y/n/N are booleans, these numbers; a YAML 1.2 reader (docker compose) agrees on numbers.
_READ_AS_OTHER_TYPES = ["y", "Y", "n", "N", "1e3", "1.5e3", "-2E-3", ".5e1", "0o17", "0O17"]
_READ_AS_OTHER_TYPES += ["0b101", "0B1", "0X1f", "1_0e1_0", "+0o7", "-0x_1", "1e+3"]
_STRINGS_EVERYWHERE = ["_", ".", "e3", "1e", "1e3x", "0o", "v1.2", "yy", "no way", "0x1Fz"]


@pytest.mark.parametrize("text", _READ_AS_OTHER_TYPES)
def test_strings_other_yaml_readers_take_for_numbers_or_booleans_are_quoted(text: str) -> None:
    data = {"description": text, text: [text], "ok": ["a", {"k": text}]}
    written = to_yaml(data)
    assert written == libyaml_yaml(data)
    assert f"description: '{text}'\n" in written
    assert f"'{text}':\n- '{text}'\n" in written
    assert f"- k: '{text}'\n" in written
    assert yaml.safe_load(written) == data
    floats = {**data, "ratio": 0.5}  # the float sends the document to PyYAML's representer
    assert f"description: '{text}'\n" in to_yaml(floats)


@pytest.mark.parametrize("text", _STRINGS_EVERYWHERE)
def test_strings_every_reader_takes_for_strings_stay_plain(text: str) -> None:
    assert to_yaml({"k": text}) == f"k: {text}\n"
