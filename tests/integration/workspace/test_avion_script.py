"""The ``avion`` console script (pyproject [project.scripts]) runs the workspace's tasks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.integration


def _avion() -> list[str]:
    script = Path(sys.executable).with_name("avion")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "avion_workspace"]


def test_avion_lists_the_tasks() -> None:
    done = subprocess.run(
        [*_avion(), "--list"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    for task in ("render", "config.validate", "tools.install", "infra.logs"):
        assert task in done.stdout


def test_avion_runs_a_task_and_its_errors_like_inv() -> None:
    done = subprocess.run(
        [*_avion(), "config.validate"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    bad = subprocess.run(
        [*_avion(), "infra.logs", "nope"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    assert "unknown component 'nope'" in bad.stderr


def test_python_dash_m_works_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "avion_workspace", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "render" in done.stdout
