"""The loader's two readers (libyaml for the plain subset, pure Python for the rest) agree.

On every text whose lines are all in the plain subset (``loader._PLAIN_LINE``), valid or not,
the libyaml path must give what the pure-Python path gives: the same data, locations and keys,
or the same problems. Texts are generated from the subset's own grammar, with indentation,
sequence dashes and flow collections mixed freely, so most are invalid YAML.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avion_workspace.config import load_config, loader
from avion_workspace.errors import ConfigError
from tests.support import ROOT


def _outcome(text: str, *, fast: bool) -> object:
    saved = loader._fast_compose
    if not fast:
        loader._fast_compose = lambda _text: None
    try:
        document = loader.load_text(text, "x.yaml")
    except ConfigError as exc:
        return ("problems", exc.render())
    finally:
        loader._fast_compose = saved
    return (document.data, dict(document.values), dict(document.keys))


def _agree(text: str) -> None:
    assert _outcome(text, fast=True) == _outcome(text, fast=False), text


_KEYS = st.sampled_from(
    [
        *("a", "b", "name", "x-y", "k_1", "0", "true", "null", "a.b", "1e3"),
        *("on", "y", "0x1F", "0b1", "0o7", "1_000", "1.5", "2026-01-01", "_", "a-", "a."),
        "k" * 1030,  # longer than a simple key may be (1024 characters): both readers refuse it
    ]
)
_WORDS = st.sampled_from(
    [
        "a",
        "b",
        "yes",
        "no",
        "null",
        "~",
        "1",
        "0x1F",
        "1e3",
        "1.5",
        "2026-11-30",
        "x/*",
        "a:b",
        "(c)",
        "a=b",
        "v1.2",
        "-",
        "--",
        "a;b",
        "1,2",
        "..",
        "/x",
        "@a",
        "+1",
        "-1",
        "_",
        "a:/b",
        "1:20",
        "b*c",
        "a,b",
    ]
)
_PLAIN = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)
_QUOTED = st.sampled_from(["''", '""', "'a b'", '"a: b"', "'#x'", '"[1]"', "'it''s'"])
_FLOW_ITEM = st.one_of(_PLAIN.filter(lambda v: "," not in v and ":" not in v), _QUOTED)
_PAD = st.sampled_from(["", " "])  # flow collections with odd spacing: [ a ,b ], {a:  b}
_COMMA = st.sampled_from([", ", ",", " , ", " ,"])
_VALUE = st.one_of(
    _PLAIN,
    _QUOTED,
    st.tuples(_PAD, _COMMA, st.lists(_FLOW_ITEM, max_size=3), _PAD).map(
        lambda t: "[" + t[0] + t[1].join(t[2]) + t[3] + "]"
    ),
    st.tuples(
        _PAD, _COMMA, st.lists(st.tuples(_KEYS, st.integers(1, 2), _FLOW_ITEM), max_size=3), _PAD
    ).map(lambda t: "{" + t[0] + t[1].join(f"{k}:{' ' * n}{v}" for k, n, v in t[2]) + t[3] + "}"),
)
_LINE = st.one_of(
    st.tuples(
        st.integers(0, 8),
        st.integers(0, 3),
        _KEYS,
        st.one_of(st.none(), _VALUE),
        st.integers(1, 3),
        st.booleans(),
    ).map(
        lambda t: (
            " " * t[0]
            + "- " * t[1]
            + t[2]
            + ":"
            + (" " * t[4] + t[3] if t[3] else "")
            + (" # c" if t[5] else "")
        )
    ),
    st.tuples(st.integers(0, 8), st.integers(1, 3), _VALUE, st.booleans()).map(
        lambda t: " " * t[0] + "- " * t[1] + t[2] + ("  #c" if t[3] else "")
    ),
    st.sampled_from(["", "  ", "# comment", "   # indented comment"]),
)
_TEXT = st.lists(_LINE, min_size=1, max_size=8).map("\n".join) | st.lists(
    _LINE, min_size=1, max_size=8
).map(lambda lines: "\n".join(lines) + "\n")


@given(_TEXT)
@settings(max_examples=400)
def test_both_readers_agree_on_the_plain_subset(text: str) -> None:
    # Most generated texts are inside the subset (libyaml reads them); the few a word like "-"
    # or "@a" takes outside are read by the pure-Python path alone, and agree trivially.
    _agree(text)


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "config").rglob("*.yaml"), *(ROOT / "tests/fixtures/config").rglob("*.yaml")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_configs_read_the_same_and_the_workspace_config_takes_the_fast_path(
    path: object,
) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    if str(path).startswith(str(ROOT / "config")) and "local.override" not in str(path):
        assert loader._fast_compose(text) is not None  # the workspace's own config is plain
    _agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "a:\tb\n",  # tabs
        "a: !!str x\n",  # tags
        "a: &x 1\nb: *x\n",  # anchors
        "a: |\n  block\n",  # block scalars
        "a: é\n",  # non-ASCII
        "%YAML 1.1\n---\na: 1\n",  # directives
        "a: 1\n---\n",  # document markers
        "a:\n",  # an empty value (libyaml locates it elsewhere)
        "a: x #y\n",
        "a: 1 # caf\u00e9\n",  # non-ASCII in a comment
        "a: 1 # x\u2028b: 2\n",  # a Unicode line separator
        "a: 'x\u0001'\n",  # a control character in quotes
        "a: b \n",  # trailing space
        "a: b\r\nc: d\r\n",  # CRLF
    ],
)
def test_what_is_outside_the_subset_takes_the_python_path(text: str) -> None:
    if text == "a: x #y\n":
        assert loader._fast_compose(text) is not None  # a comment: inside
    else:
        assert loader._fast_compose(text) is None
    _agree(text)


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        (
            "platform.yaml",
            '  python_version: "3.11"\n',
            "  python_version: 3.11\n  bogus: [a ,b]\n",
        ),
        ("platform.yaml", "  local_port: 5432\n", "  local_port: 5432\n  local_port: {a:  b}\n"),
        ("platform.yaml", "  replicas: 1\n", "  replicas: one\n  1e3: x\n  0x1F: y\n  true: z\n"),
        ("environments/local.yaml", "services: {}\n", "- a\n- b: c\n"),
        (
            "environments/staging.yaml",
            "  replicas: 2\n",
            "  replicas: [2]  # two\n  mystery: {b: c}\n",
        ),
    ],
)
def test_config_validate_reports_the_same_through_either_reader(
    tmp_path: Path, file: str, old: str, new: str
) -> None:
    # A broken copy of the workspace config, every file still read by libyaml: the problems
    # (schema, duplicates, non-string keys, structure) and their locations are those of the
    # pure-Python reader.
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    target = config / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert loader._fast_compose(target.read_text(encoding="utf-8")) is not None

    def problems(*, fast: bool) -> str:
        saved = loader._fast_compose
        if not fast:
            loader._fast_compose = lambda _text: None
        try:
            load_config(config)
        except ConfigError as exc:
            return exc.render()
        finally:
            loader._fast_compose = saved
        raise AssertionError("the broken copy was accepted")

    assert problems(fast=True) == problems(fast=False)
