"""Shared fixtures; the shared helpers themselves live in tests/support.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.fixture(scope="session")
def workspace_root() -> Path:
    return ROOT


FIXTURE_CONFIG = ROOT / "tests" / "fixtures" / "config"


@pytest.fixture(scope="session")
def fixture_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small config for engine tests (three services, one per shape), with the real schema.

    Engine tests use it instead of the live config/, so that adding a service or changing an
    image tag there changes no test; tests/unit/render/test_real_config.py renders the real one.
    """
    target = tmp_path_factory.mktemp("fixture") / "config"
    shutil.copytree(FIXTURE_CONFIG, target)
    shutil.copytree(ROOT / "config" / "schema", target / "schema")
    return target
