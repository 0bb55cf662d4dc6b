"""Fixtures for avion_telemetry's tests."""

from __future__ import annotations

import contextlib

import pytest

# Read by the OpenTelemetry SDK itself; a developer's shell must not change what tests see.
SDK_VARIABLES = (
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SERVICE_NAME",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_EXPORTER_OTLP_HEADERS",
)


@pytest.fixture(autouse=True)
def clean_sdk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SDK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Tests assert behaviour, never speed: on a loaded machine (two cores, many test runs at once)
# Hypothesis must neither time examples out nor fail its too_slow health check.
with contextlib.suppress(ImportError):
    from hypothesis import HealthCheck, settings

    settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("avion")
