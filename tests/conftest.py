"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import ROOT


def pytest_configure(config: pytest.Config) -> None:
    # Hermetic: this machine's config/local.override.yaml (ports moved for its own stack) must
    # not change what the tests see; tests of the override point at their own files.
    os.environ["AVION_LOCAL_OVERRIDE"] = "off"


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT
