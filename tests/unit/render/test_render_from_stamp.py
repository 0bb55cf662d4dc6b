"""``inv render --check`` trusts the stamp of the last render only while nothing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import avion_workspace.render as render_package
from avion_workspace.config.override import ENV_VAR
from avion_workspace.errors import StaleRender
from avion_workspace.render.cli import run_render
from avion_workspace.setup import RENDER_STAMP

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the workspace's inputs, rendered once, with its local state folder."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(ROOT / "tasks.py", root)
    ignore = shutil.ignore_patterns("local.override.yaml", "__pycache__", ".venv")
    for folder in ("config", "workflows", "services"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    monkeypatch.setenv(ENV_VAR, "off")
    monkeypatch.chdir(root)
    run_render(None, check=False, force=False)
    (root / RENDER_STAMP).parent.mkdir()
    return root


def no_plan(config_dir: Path) -> None:
    raise AssertionError("the plan was built")


def test_a_passing_check_lets_the_next_one_skip_the_plan(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_render(None, check=True, force=False)  # builds the plan, passes, writes the stamp
    monkeypatch.setattr(render_package, "plan_for", no_plan)
    run_render(None, check=True, force=False)
    run_render(None, check=False, force=False)
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("render check OK: ")
    assert out[-2] == out[-3]
    assert out[-1].startswith("nothing to do: ")


def test_a_hand_edit_after_the_stamp_is_still_caught(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_render(None, check=True, force=False)
    compose = workspace / "docker-compose.yml"
    compose.write_text(compose.read_text() + "# edited by hand\n")
    with pytest.raises(StaleRender):
        run_render(None, check=True, force=False)


def test_a_config_edit_after_the_stamp_is_rendered(workspace: Path) -> None:
    run_render(None, check=True, force=False)
    base = workspace / "config" / "platform.yaml"
    base.write_text(base.read_text().replace("local_port: 5432", "local_port: 5433", 1))
    with pytest.raises(StaleRender):
        run_render(None, check=True, force=False)
