"""Fixtures for avion_logging's tests: each test leaves global logging as it found it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging() changes process-wide state; put it back after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


# Tests assert behaviour, never speed: on a loaded machine (two cores, many test runs at once)
# Hypothesis must neither time examples out nor fail its too_slow health check.
with contextlib.suppress(ImportError):
    from hypothesis import HealthCheck, settings

    settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("avion")
