"""Safe YAML loading: plain YAML in, located problems out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from avion_workspace.config.loader import (
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    _Builder,
    format_json_path,
    load_file,
    load_text,
)
from avion_workspace.errors import ConfigError


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "f.yaml")
    return [p.render() for p in info.value.problems]


def test_values_are_located_by_line_and_column() -> None:
    doc = load_text("a:\n  b: [1, 2]\n  c: x\n", "f.yaml")
    assert doc.data == {"a": {"b": [1, 2], "c": "x"}}
    assert str(doc.locate(("a", "c"))) == "f.yaml:3:6"
    assert str(doc.locate(("a", "b", 1))) == "f.yaml:2:10"
    assert str(doc.locate(("a", "c"), key=True)) == "f.yaml:3:3"
    # an unknown path falls back to its nearest located ancestor
    assert str(doc.locate(("a", "zzz"))) == "f.yaml:2:3"


def test_duplicate_keys_name_both_lines() -> None:
    [problem] = problems_of("a: 1\nb: 2\na: 3\n")
    assert problem.startswith(
        "f.yaml:3:1: $.a: duplicate key 'a' (first defined on line 1, again on line 3)"
    )


def test_every_duplicate_is_reported_at_once() -> None:
    problems = problems_of("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
    assert [p.split(":")[1] for p in problems] == ["2", "5"]


@pytest.mark.parametrize(
    "text",
    [
        "a: !custom 1\n",
        "a: !!python/object:os.system {}\n",
        "a: !!binary aGVsbG8=\n",
        "a: !env [x]\n",
    ],
)
def test_custom_tags_are_rejected(text: str) -> None:
    [problem] = problems_of(text)
    assert "f.yaml:1:4: $.a: tag" in problem
    assert "is not allowed" in problem


def test_syntax_error_is_located() -> None:
    [problem] = problems_of("a: [1, 2\nb: 3\n")
    assert problem.startswith("f.yaml:2:")
    assert "YAML syntax error" in problem


def test_empty_file_is_an_error() -> None:
    [problem] = problems_of("# only a comment\n")
    assert problem.startswith("f.yaml:1:1: $: the file is empty")


def test_top_level_must_be_a_mapping() -> None:
    [problem] = problems_of("- a\n- b\n")
    assert "expected a mapping at the top, found list" in problem


def test_merge_keys_and_non_string_keys_are_rejected() -> None:
    problems = problems_of("base: &b {x: 1}\nother:\n  <<: *b\n8080: http\n")
    assert any("merge keys (<<) are not supported" in p for p in problems)
    assert any("mapping key '8080' is not a string" in p for p in problems)


def alias_bomb() -> str:
    """Nine levels of nine aliases: about 390 million values once expanded."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_rejected_after_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # How fast is measured by benchmarks/alias_bomb.py; here: the work stops at the bound.
    visited = 0
    real_build = _Builder.build

    def counting_build(self: _Builder, node: Any, path: Any) -> Any:
        nonlocal visited
        visited += 1
        return real_build(self, node, path)

    monkeypatch.setattr(_Builder, "build", counting_build)
    [problem] = problems_of(alias_bomb())
    assert "expands to more than 100000 values through aliases (an alias bomb?)" in problem
    assert visited == MAX_EXPANDED_NODES + 1


def test_too_many_aliases_are_rejected() -> None:
    text = "a: &x 1\nb: [" + ", ".join(["*x"] * 150) + "]\n"
    [problem] = problems_of(text)
    assert "more than 100 aliases" in problem


def test_a_few_aliases_are_fine() -> None:
    doc = load_text("a: &x {k: 1}\nb: *x\n", "f.yaml")
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}}


def test_file_size_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (MAX_FILE_BYTES + 1) + "\n")
    with pytest.raises(ConfigError) as info:
        load_file(big)
    assert "larger than the 1048576 bytes allowed" in info.value.render()


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(ConfigError) as info:
        load_file(bad)
    assert ":2: file is not valid UTF-8" in info.value.render()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_file(tmp_path / "nope.yaml")
    assert "file not found" in info.value.render()


def test_dates_stay_text() -> None:
    assert load_text("d: 2024-01-01\n", "f.yaml").data == {"d": "2024-01-01"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), "$"),
        (("services", "auth", "redis", 0), "$.services.auth.redis[0]"),
        (("services", "system-admin"), "$.services.system-admin"),
        (("buckets", "avion.logs"), "$.buckets['avion.logs']"),
    ],
)
def test_json_paths(path: tuple[str | int, ...], expected: str) -> None:
    assert format_json_path(path) == expected
