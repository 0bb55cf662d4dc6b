"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT


# Tests assert behaviour, never speed: on a loaded machine (two cores, many test runs at once)
# Hypothesis must neither time examples out nor fail its too_slow health check.
with contextlib.suppress(ImportError):
    from hypothesis import HealthCheck, settings

    settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("avion")
