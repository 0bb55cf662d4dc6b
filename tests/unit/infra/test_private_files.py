"""Local stack files holding secrets are private from their first byte."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from avion_workspace.infra.native import write_if_changed


def test_secret_files_are_never_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[int] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        modes.append(stat.S_IMODE(Path(src).stat().st_mode))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    old = os.umask(0)
    try:
        assert write_if_changed(tmp_path / "state" / "users.acl", "user x on >secret\n")
    finally:
        os.umask(old)
    assert modes == [0o600]
    assert stat.S_IMODE((tmp_path / "state" / "users.acl").stat().st_mode) == 0o600
    assert not write_if_changed(tmp_path / "state" / "users.acl", "user x on >secret\n")
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["users.acl"]
