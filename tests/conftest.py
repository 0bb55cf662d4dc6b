"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT
