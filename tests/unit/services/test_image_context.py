"""The image build context: exactly the Dockerfile's sources, caches and local state left out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.render import render
from avion_workspace.render.services import scaffold
from avion_workspace.services.image import context_archive, context_members, engine_address

ROOT = Path(__file__).resolve().parents[3]


def test_the_context_holds_the_copied_paths_and_no_caches(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, fixture_config: Path
) -> None:
    # The fixture's services are rendered into a workspace of their own; the libraries are ROOT's.
    rendered = tmp_path_factory.mktemp("rendered")
    shutil.copytree(fixture_config, rendered / "config")
    render(rendered, rendered / "config")
    platform = load_platform(rendered / "config")
    s = scaffold(platform, platform.services["alpha"])
    for relative in s.context_paths:
        source = (rendered if (rendered / relative).exists() else ROOT) / relative
        if source.is_dir():
            shutil.copytree(source, tmp_path / relative, ignore=shutil.ignore_patterns("*.pyc"))
        else:
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp_path / relative)
    for junk in (
        "services/alpha/src/avion_alpha/__pycache__/x.pyc",
        "libs/config/src/avion_config.egg-info/PKG-INFO",
        "services/alpha/.pytest_cache/README.md",
    ):
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("x")
    (tmp_path / ".venv/bin").mkdir(parents=True)
    (tmp_path / ".venv/bin/python").write_text("x")
    members = context_members(context_archive(tmp_path, s))
    assert "services/alpha/Dockerfile" in members
    assert "services/alpha/src/avion_alpha/spec.py" in members
    assert "libs/service/src/avion_service/server.py" in members
    assert "libs/migrate/src/avion_migrate/runner.py" in members
    assert not any(m.startswith("src/") for m in members)
    assert "libs/grpc/pyproject.toml" in members
    assert not [m for m in members if "__pycache__" in m or ".egg-info" in m or "cache" in m]
    assert not [m for m in members if m.startswith(".venv")]
    tops = {m.split("/")[0] for m in members}
    assert tops == {"libs", "services"}  # no engine code in an image


def test_the_engine_address_is_docker_host_or_the_default_socket() -> None:
    assert engine_address({}) == "unix:///var/run/docker.sock"
    assert engine_address({"DOCKER_HOST": "tcp://10.0.0.2:2376"}) == "tcp://10.0.0.2:2376"
