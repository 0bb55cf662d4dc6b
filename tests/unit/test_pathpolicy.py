"""The path policy's own edges: a linked final folder, a log tail, JSON nesting depth."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.pathpolicy import (
    UnreadableFile,
    UnsafePath,
    _violation,
    json_too_deep,
    policy_violation,
    read_regular_tail,
    relative_inside,
    safe_target,
)


def test_a_folder_written_into_may_not_be_a_link_itself(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "a/linked").symlink_to(tmp_path / "real", target_is_directory=True)
    assert safe_target(tmp_path, "a/linked") == tmp_path / "a/linked"  # a file path: parents only
    with pytest.raises(UnsafePath, match="a/linked"):
        safe_target(tmp_path, "a/linked", folder=True)
    with pytest.raises(UnsafePath):
        relative_inside(tmp_path, tmp_path / "a/linked", folder=True)
    assert relative_inside(tmp_path, tmp_path / "real", folder=True) == "real"


def test_a_tail_is_bounded_and_refuses_links(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_bytes(b"0123456789")
    assert read_regular_tail(log, limit=4) == b"6789"
    assert read_regular_tail(log, limit=100) == b"0123456789"
    (tmp_path / "link.log").symlink_to(log)
    with pytest.raises(UnreadableFile, match="symbolic link"):
        read_regular_tail(tmp_path / "link.log", limit=4)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[[[", (1, 3)),
        ('["[[[[[["]', None),
        ('{"a\\"[[[": [1]}', None),
        ("\n  {[{", (2, 5)),
        ("[]" * 50, None),
    ],
)
def test_json_depth_counts_brackets_outside_strings(
    text: str, where: tuple[int, int] | None
) -> None:
    assert json_too_deep(text, 2) == where


# Paths built from the parts that matter: separators, dots, .git in any case, control
# characters and backslashes, beside ordinary names.
_PARTS = st.sampled_from(
    [
        "a",
        "b.yaml",
        ".",
        "..",
        ".git",
        ".GIT",
        ".Git",
        ".gitignore",
        "...",
        "",
        "x\\y",
        "\x00",
        "\n",
        "\x7f",
        "é",
        " ",
        "-",
        ".github",
        "\ud800",
        "\udc80",  # os.fsencode's escape for an undecodable byte: a file can have it
    ]
)


@given(st.lists(_PARTS, min_size=0, max_size=6).map("/".join) | st.text(max_size=30))
def test_the_fast_path_accepts_exactly_what_the_rules_accept(rel: str) -> None:
    assert policy_violation(rel) == _violation(rel)


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        ("", "is empty"),
        ("a/\x01", "contains a control character"),
        ("a\\b", "contains a backslash"),
        ("/etc/passwd", "is absolute"),
        ("a//b", "is not a normalised relative path"),
        ("a/./b", "is not a normalised relative path"),
        ("a/", "is not a normalised relative path"),
        ("a/../../b", "leaves the workspace (..)"),
        ("x/.GiT/config", "is under .git"),
        (".git", "is under .git"),
        # JSON's "\ud800": a string no file name can be (encoding it raised, exit 3)
        ("a/\ud800/b", "is not a valid file name"),
        ("\udfff", "is not a valid file name"),
    ],
)
def test_each_rule_names_its_reason(rel: str, reason: str) -> None:
    assert policy_violation(rel) == reason


@pytest.mark.parametrize(
    "rel", ["a", "charts/x/values.yaml", ".github/workflows/ci.yml", "a/...b", "a\udc80"]
)
def test_ordinary_paths_pass(rel: str) -> None:
    assert policy_violation(rel) is None
