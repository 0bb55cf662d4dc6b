"""What the tests share: where the workspace is, the one policy for missing prerequisites, and
how a test runs a task as a user does (:func:`run_inv`).

A tool or server the tests need that is missing fails the test in CI (CI must install it) and
skips it elsewhere, saying how to get it. Every test uses :func:`unavailable` for that.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import pytest

from avion_workspace.process import Completed
from avion_workspace.tools import TOOLS, find_tool

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONFIG = ROOT / "tests" / "fixtures" / "config"


def copy_fixture_config(target: Path) -> Path:
    """Copy the engine tests' small config (tests/fixtures/config) and the real schema to ``target``."""
    shutil.copytree(FIXTURE_CONFIG, target)
    shutil.copytree(ROOT / "config" / "schema", target / "schema")
    return target


@functools.cache
def fixture_config_dir() -> Path:
    """One copy of the fixture config per test process, for module-level constants."""
    root = Path(tempfile.mkdtemp(prefix="avion-fixture-"))
    atexit.register(shutil.rmtree, root, True)
    return copy_fixture_config(root / "config")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(message: str) -> NoReturn:
    """A prerequisite is missing: fail in CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"{message} (CI must install every tool the tests need)")
    pytest.skip(message)


def require_tool(name: str) -> Path:
    """A pinned tool from .tools/bin or PATH (see avion_workspace.tools.TOOLS)."""
    path = find_tool(ROOT, name)
    if path is not None:
        return path
    tool = TOOLS.get(name)
    how = f"`inv tools.install {name}` ({tool.install_line})" if tool else f"install {name}"
    unavailable(f"{name} is not installed: {how}")


def require_program(name: str, how: str) -> str:
    """A program from PATH (a server from apt, npm, ...)."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed: {how}")
    return path


def copy_team_files(target: Path) -> None:
    """Copy every service's team files (its package, api.py, tests, ...) into a workspace copy.

    ``inv render`` refuses a service in config whose team files are missing (it names
    ``inv service.new``), so a copy made of config and generated files needs them too.
    """
    from avion_workspace.config import load_platform
    from avion_workspace.render.services import team_files

    platform = load_platform(ROOT / "config")
    for service in platform.services.values():
        for relative in team_files(platform, service):
            if (ROOT / relative).is_file():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, target / relative)


def copy_rendered_workspace(target: Path) -> Path:
    """A workspace at ``target``: tasks.py, config/, every generated file with the manifest, and
    the team files; nothing a task does there can reach the real checkout."""
    import json

    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "tasks.py", target)
    shutil.copytree(ROOT / "config", target / "config")
    manifest = ROOT / ".render-manifest.json"
    for path in json.loads(manifest.read_text())["files"]:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target / path)
    shutil.copy(manifest, target)
    copy_team_files(target)
    return target


def run_inv(
    *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m invoke ARGS`` in ``cwd`` (the workspace by default) as a user runs it, output
    captured, never raising on its exit code; ``env`` adds to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


class RecordingRunner:
    """A stand-in for ``process.run_command`` at the AWS CLI boundary: records each command
    line and answers with ``returncode`` (and AWS's AccessDenied when that is not 0)."""

    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode

    def __call__(
        self, argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed:
        self.calls.append(list(argv))
        return Completed(
            tuple(argv), self.returncode, "", "AccessDenied" if self.returncode else ""
        )
