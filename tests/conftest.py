"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support import ROOT, copy_fixture_config

# No deadlines anywhere: the machine is shared and timing is never what a property asserts.
settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("avion")


def pytest_configure(config: pytest.Config) -> None:
    # Hermetic: this machine's config/local.override.yaml (ports moved for its own stack) must
    # not change what the tests see; tests of the override point at their own files.
    os.environ["AVION_LOCAL_OVERRIDE"] = "off"


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fixture_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small config for engine tests (three services, one per shape), with the real schema.

    Engine tests use it instead of the live config/, so that adding a service or changing an
    image tag there changes no test; tests/unit/render/test_real_config.py renders the real one.
    """
    return copy_fixture_config(tmp_path_factory.mktemp("fixture") / "config")
