"""In-memory telemetry for tests: real SDK providers whose spans and metrics can be inspected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON

from avion_telemetry.providers import Telemetry, setup_telemetry
from avion_telemetry.settings import TelemetrySettings


@dataclass
class TelemetryCapture:
    """A :class:`Telemetry` recording into memory, with helpers to read what it recorded."""

    telemetry: Telemetry
    _spans: InMemorySpanExporter
    _metrics: InMemoryMetricReader

    def finished_spans(self) -> tuple[ReadableSpan, ...]:
        return tuple(self._spans.get_finished_spans())

    def metric_points(self, name: str) -> list[tuple[dict[str, Any], float]]:
        """Every ``(attributes, value)`` point of the counter or gauge called ``name``."""
        data = self._metrics.get_metrics_data()
        points: list[tuple[dict[str, Any], float]] = []
        for resource_metrics in data.resource_metrics if data else ():
            for scope in resource_metrics.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        if isinstance(point, NumberDataPoint):
                            points.append((dict(point.attributes or {}), point.value))
                        else:
                            points.append((dict(point.attributes or {}), point.count))
        return points


@contextmanager
def capture_telemetry(service_name: str = "test-service") -> Iterator[TelemetryCapture]:
    """A real SDK setup (sampling everything, no network) whose output the test can read."""
    spans = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    config = TelemetrySettings(service_name=service_name, environment="test")
    telemetry = setup_telemetry(
        config,
        span_processors=(SimpleSpanProcessor(spans),),
        metric_readers=(reader,),
        sampler=ALWAYS_ON,
    )
    try:
        yield TelemetryCapture(telemetry, spans, reader)
    finally:
        telemetry.shutdown()
