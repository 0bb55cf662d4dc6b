"""Shared test helpers: where the workspace is, and tools that must exist in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avion_workspace.tools import TOOLS, find_tool

ROOT = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_tool(name: str) -> Path:
    """The tool's path; a missing tool fails the test in CI and skips it elsewhere, saying how to get it."""
    path = find_tool(ROOT, name)
    if path is not None:
        return path
    tool = TOOLS.get(name)
    how = f"`inv tools.install {name}`" if tool else f"install {name}"
    message = f"{name} is not installed: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI must install every tool the tests need)")
    pytest.skip(message)
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT
