"""Telemetry settings, read from the standard OpenTelemetry variables where one exists."""

from __future__ import annotations

from avion_config import checks, setting, settings

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - inside a container, Prometheus scrapes from outside


@settings
class TelemetrySettings:
    """How a process traces and exposes metrics. ``enabled=False`` gives no-op providers."""

    enabled: bool = setting("TELEMETRY_ENABLED", default=True, description="false: no-op mode")
    service_name: str = setting(
        "OTEL_SERVICE_NAME", default="unknown_service", check=checks.non_empty
    )
    service_version: str = setting("SERVICE_VERSION", default="0.0.0")
    environment: str = setting(
        "DEPLOYMENT_ENVIRONMENT", default="local", description="local, staging or production"
    )
    resource_attributes: dict[str, str] = setting(
        "OTEL_RESOURCE_ATTRIBUTES", default_factory=dict, description="extra k=v,k=v attributes"
    )
    otlp_endpoint: str | None = setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        default=None,
        check=checks.url("http", "https"),
        description="OTLP/gRPC collector, e.g. http://otel-collector:4317; unset: no export",
    )
    otlp_insecure: bool = setting(
        "OTEL_EXPORTER_OTLP_INSECURE", default=False, description="plaintext gRPC to the collector"
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
    trace_sample_ratio: float = setting(
        "OTEL_TRACES_SAMPLER_ARG", default=1.0, check=checks.between(0.0, 1.0)
    )
    metrics_port: int | None = setting(
        "METRICS_PORT",
        default=None,
        check=checks.between(0, 65535),
        description="serve Prometheus /metrics on this port (0: any free port); unset: none",
    )
    metrics_host: str = setting("METRICS_HOST", default=ALL_INTERFACES)
