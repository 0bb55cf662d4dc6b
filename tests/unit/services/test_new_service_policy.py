"""``service.new`` writes nothing through a linked folder: the path policy stops it first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from avion_workspace.pathpolicy import UnsafePath
from avion_workspace.render import render
from avion_workspace.services.config_edit import NewService
from avion_workspace.services.new import new_service

ROOT = Path(__file__).resolve().parents[3]


def test_a_new_service_is_not_written_through_a_linked_services_folder(
    tmp_path: Path, fixture_config: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copy(ROOT / "tasks.py", workspace / "tasks.py")
    shutil.copytree(fixture_config, workspace / "config")
    render(workspace, workspace / "config")
    outside = tmp_path / "outside"
    (workspace / "services").rename(outside)
    (workspace / "services").symlink_to(outside, target_is_directory=True)
    before = sorted(p.relative_to(outside) for p in outside.rglob("*"))
    config_before = (workspace / "config" / "platform.yaml").read_bytes()
    with pytest.raises(UnsafePath, match="linked folder services"):
        new_service(workspace, NewService("direct-message", "Private messages"))
    assert sorted(p.relative_to(outside) for p in outside.rglob("*")) == before
    assert (workspace / "config" / "platform.yaml").read_bytes() == config_before
