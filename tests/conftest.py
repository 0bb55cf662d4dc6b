"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support import ROOT

# No deadlines anywhere: the machine is shared and timing is never what a property asserts.
settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("avion")


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT
