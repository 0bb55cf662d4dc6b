"""The path policy's own edges: a linked final folder, a log tail, JSON nesting depth."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.pathpolicy import (
    UnreadableFile,
    UnsafePath,
    json_too_deep,
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
