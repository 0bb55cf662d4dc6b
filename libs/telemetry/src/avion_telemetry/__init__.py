"""OpenTelemetry tracing and metrics for Avion services: OTLP export, Prometheus, no-op mode."""

from avion_telemetry.providers import (
    SERVICE_NAMESPACE,
    Telemetry,
    build_resource,
    setup_telemetry,
    setup_telemetry_from_env,
)
from avion_telemetry.settings import TelemetrySettings

__all__ = [
    "SERVICE_NAMESPACE",
    "Telemetry",
    "TelemetrySettings",
    "build_resource",
    "setup_telemetry",
    "setup_telemetry_from_env",
]
