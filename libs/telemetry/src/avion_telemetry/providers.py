"""Build tracing and metrics providers from settings, or no-op ones for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIServer

from avion_config import load_settings
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Sampler
from prometheus_client import CollectorRegistry, make_asgi_app, start_http_server

from avion_telemetry.settings import TelemetrySettings

SERVICE_NAMESPACE = "avion"
"""The OpenTelemetry ``service.namespace`` of every Avion service."""


def build_resource(config: TelemetrySettings) -> Resource:
    """The resource describing this process: the SDK's, then ``config`` on top.

    The SDK adds its own ``telemetry.sdk.*`` attributes and those of ``OTEL_RESOURCE_ATTRIBUTES``
    (percent-decoded, as the specification says); the attributes from ``config`` win over them.
    """
    attributes: dict[str, str] = {
        "service.name": config.service_name,
        "service.version": config.service_version,
        "service.namespace": SERVICE_NAMESPACE,
        "deployment.environment.name": config.environment,
    }
    return Resource.create(attributes)


class Telemetry:
    """The tracer and meter providers of one process, and what serves or exports their data.

    Hand the providers to the code that needs them (interceptors, middleware); call
    :meth:`install_global` once in an entry point for libraries that use OpenTelemetry's globals.
    """

    def __init__(
        self,
        tracer_provider: trace.TracerProvider,
        meter_provider: metrics.MeterProvider,
        *,
        metrics_registry: CollectorRegistry | None = None,
        metrics_server: WSGIServer | None = None,
        shutdown: Callable[[], None] = lambda: None,
    ) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.metrics_registry = metrics_registry
        self._metrics_server = metrics_server
        self._shutdown = shutdown
        self._closed = False

    @classmethod
    def noop(cls) -> Telemetry:
        """Providers that record nothing and export nothing."""
        return cls(trace.NoOpTracerProvider(), metrics.NoOpMeterProvider())

    def tracer(self, name: str, version: str | None = None) -> trace.Tracer:
        return self.tracer_provider.get_tracer(name, version)

    def meter(self, name: str, version: str | None = None) -> metrics.Meter:
        return self.meter_provider.get_meter(name, version)

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """Where the Prometheus endpoint listens, if it was started."""
        if self._metrics_server is None:
            return None
        host, port = self._metrics_server.server_address[:2]
        return str(host), int(port)

    def metrics_asgi_app(self) -> Callable[..., Any]:
        """An ASGI app serving the Prometheus text format, to mount at ``/metrics``."""
        if self.metrics_registry is None:
            raise RuntimeError("metrics are not collected in no-op mode")
        app: Callable[..., Any] = make_asgi_app(self.metrics_registry)
        return app

    def install_global(self) -> None:
        """Make these providers OpenTelemetry's global ones (once per process, entry points only)."""
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)

    def shutdown(self) -> None:
        """Flush and stop exporters, and stop the metrics server. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._metrics_server is not None:
            self._metrics_server.shutdown()
            self._metrics_server.server_close()
        self._shutdown()

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()


def setup_telemetry(
    config: TelemetrySettings,
    *,
    span_processors: tuple[SpanProcessor, ...] = (),
    metric_readers: tuple[MetricReader, ...] = (),
    sampler: Sampler | None = None,
) -> Telemetry:
    """Providers for ``config``: OTLP export when an endpoint is set, Prometheus when a port is.

    Extra ``span_processors`` and ``metric_readers`` are added as given (tests use in-memory ones).
    Without a ``sampler`` the SDK picks one from ``OTEL_TRACES_SAMPLER``/``_ARG``; its default
    is ``parentbased_always_on``.
    """
    if not config.enabled or config.sdk_disabled:
        return Telemetry.noop()
    resource = build_resource(config)
    tracer_provider = TracerProvider(resource=resource, sampler=sampler)
    for processor in span_processors:
        tracer_provider.add_span_processor(processor)
    registry = CollectorRegistry(auto_describe=True)
    readers: list[MetricReader] = [PrometheusMetricReader(registry=registry), *metric_readers]
    if config.otlp_endpoint is not None:
        options = _otlp_options(config)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(**options)))
        if config.otlp_metrics:
            readers.append(
                PeriodicExportingMetricReader(
                    OTLPMetricExporter(**options),
                    export_interval_millis=config.metric_export_interval_ms,
                )
            )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    server = None
    if config.metrics_port is not None:
        server, _thread = _serve_metrics(registry, config.metrics_host, config.metrics_port)

    def shutdown() -> None:
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return Telemetry(
        tracer_provider,
        meter_provider,
        metrics_registry=registry,
        metrics_server=server,
        shutdown=shutdown,
    )


def setup_telemetry_from_env(environ: Mapping[str, str] | None = None) -> Telemetry:
    """Load :class:`TelemetrySettings` from the environment and build the providers."""
    return setup_telemetry(load_settings(TelemetrySettings, environ=environ))


def _otlp_options(config: TelemetrySettings) -> dict[str, Any]:
    # No "insecure": the SDK decides, from OTEL_EXPORTER_OTLP_INSECURE or else the scheme
    # (plaintext for http://, TLS for https://). Headers: ours when set (they may come from a
    # secret file), else the SDK reads OTEL_EXPORTER_OTLP_HEADERS itself.
    headers: Mapping[str, str] = config.otlp_headers
    return {"endpoint": config.otlp_endpoint, "headers": dict(headers) or None}


def _serve_metrics(
    registry: CollectorRegistry, host: str, port: int
) -> tuple[WSGIServer, threading.Thread]:
    server, thread = start_http_server(port, addr=host, registry=registry)
    return server, thread
