"""Shared test settings of the config library."""

from __future__ import annotations

import contextlib

# Tests assert behaviour, never speed: on a loaded machine (two cores, many test runs at once)
# Hypothesis must neither time examples out nor fail its too_slow health check.
with contextlib.suppress(ImportError):
    from hypothesis import HealthCheck, settings

    settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("avion")
