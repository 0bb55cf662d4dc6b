"""Telemetry settings: what the OpenTelemetry SDK does not read from the environment itself.

The SDK reads ``OTEL_RESOURCE_ATTRIBUTES`` (percent-decoded), ``OTEL_TRACES_SAMPLER`` and
``OTEL_TRACES_SAMPLER_ARG``, ``OTEL_EXPORTER_OTLP_INSECURE`` and the exporter's other variables
from the process environment; these settings do not duplicate them.
"""

from __future__ import annotations

from avion_config import checks, setting, settings

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - inside a container, Prometheus scrapes from outside


@settings
class TelemetrySettings:
    """How a process traces and exposes metrics. ``enabled=False`` gives no-op providers."""

    enabled: bool = setting("TELEMETRY_ENABLED", default=True, description="false: no-op mode")
    sdk_disabled: bool = setting(
        "OTEL_SDK_DISABLED",
        default=False,
        description="true: no-op mode, no exporter and no metrics endpoint (the standard switch)",
    )
    service_name: str = setting(
        "OTEL_SERVICE_NAME", default="unknown_service", check=checks.non_empty
    )
    service_version: str = setting("SERVICE_VERSION", default="0.0.0")
    environment: str = setting(
        "DEPLOYMENT_ENVIRONMENT", default="local", description="local, staging or production"
    )
    otlp_endpoint: str | None = setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        default=None,
        check=checks.url("http", "https"),
        description=(
            "OTLP/gRPC collector, e.g. http://otel-collector:4317 (plaintext) or https://... "
            "(TLS); unset: no export"
        ),
    )
    otlp_headers: dict[str, str] = setting(
        "OTEL_EXPORTER_OTLP_HEADERS", default_factory=dict, secret=True
    )
    otlp_metrics: bool = setting(
        "OTEL_METRICS_OTLP_ENABLED", default=False, description="also push metrics over OTLP"
    )
    metric_export_interval_ms: int = setting(
        "OTEL_METRIC_EXPORT_INTERVAL", default=60_000, check=checks.between(100, 3_600_000)
    )
    metrics_port: int | None = setting(
        "METRICS_PORT",
        default=None,
        check=checks.between(0, 65535),
        description="serve Prometheus /metrics on this port (0: any free port); unset: none",
    )
    metrics_host: str = setting("METRICS_HOST", default=ALL_INTERFACES)
