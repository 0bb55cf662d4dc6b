"""OpenTelemetry tracing and metrics for Avion services: OTLP export, Prometheus, no-op mode.

Names are loaded on first use (PEP 562): ``avion_telemetry.settings`` alone (what the workspace
reads to render a service's variable names) does not import the OpenTelemetry SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avion_telemetry.providers import (
        SERVICE_NAMESPACE,
        Telemetry,
        build_resource,
        setup_telemetry,
        setup_telemetry_from_env,
    )
    from avion_telemetry.settings import TelemetrySettings

_EXPORTS = {
    "SERVICE_NAMESPACE": "avion_telemetry.providers",
    "Telemetry": "avion_telemetry.providers",
    "build_resource": "avion_telemetry.providers",
    "setup_telemetry": "avion_telemetry.providers",
    "setup_telemetry_from_env": "avion_telemetry.providers",
    "TelemetrySettings": "avion_telemetry.settings",
}

__all__ = [
    "SERVICE_NAMESPACE",
    "Telemetry",
    "TelemetrySettings",
    "build_resource",
    "setup_telemetry",
    "setup_telemetry_from_env",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'avion_telemetry' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
