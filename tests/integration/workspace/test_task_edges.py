"""The task layer's edges as a user meets them: --help never runs a task (Ctrl-C: test_ctrl_c.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import copy_rendered_workspace, run_inv

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def inv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_inv(*args, cwd=cwd, env={"COLUMNS": "100"})


def task_names() -> list[str]:
    listed = inv("--list", "--list-format=json", cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    names: list[str] = []

    def walk(collection: dict[str, object], prefix: str) -> None:
        for task in collection["tasks"]:  # type: ignore[attr-defined]
            names.append(prefix + task["name"])
        for sub in collection["collections"]:  # type: ignore[attr-defined]
            walk(sub, prefix + sub["name"] + ".")

    walk(json.loads(listed.stdout), "")
    return names


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workspace's config, tasks and generated files: a task run by mistake would
    change it, and nothing it does can reach the real checkout."""
    return copy_rendered_workspace(tmp_path_factory.mktemp("help") / "ws")


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mode, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_task_listed_prints_help_and_runs_nothing(sandbox: Path) -> None:
    names = task_names()
    assert "migrate.create" in names
    assert "service.new" in names
    before = snapshot(sandbox)
    failures = []
    for name in names:
        for flag in ("--help", "-h"):
            result = inv(name, flag, cwd=sandbox)
            usage = result.stdout.partition("\n")[0]
            if (
                result.returncode != 0
                or not usage.startswith("Usage: inv")
                or f" {name} " not in usage
                or "Traceback" in result.stderr
            ):
                failures.append(
                    (name, flag, result.returncode, result.stdout[-300:], result.stderr)
                )
    assert failures == []
    assert snapshot(sandbox) == before


@pytest.mark.parametrize(
    "args",
    [
        ("migrate.create", "--help", "--dir", "db"),
        ("migrate.create", "--dir", "db", "--help"),
        ("service.new", "--help"),
        ("service.new", "payments", "--description", "-h"),
    ],
)
def test_help_among_other_arguments_still_runs_nothing(
    sandbox: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(sandbox)
    result = inv(*args, cwd=sandbox)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert snapshot(sandbox) == before
    assert not (sandbox / "db").exists()
