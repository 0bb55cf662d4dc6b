"""Telemetry providers for real: Prometheus scraped over HTTP, OTLP received by a collector."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import httpx
import pytest
from avion_config import SettingsError, load_settings
from avion_telemetry import (
    Telemetry,
    TelemetrySettings,
    build_resource,
    setup_telemetry,
    setup_telemetry_from_env,
)
from avion_telemetry.testing import capture_telemetry
from opentelemetry.proto.collector.metrics.v1 import (
    metrics_service_pb2,
    metrics_service_pb2_grpc,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


class Collector(
    trace_service_pb2_grpc.TraceServiceServicer, metrics_service_pb2_grpc.MetricsServiceServicer
):
    """A minimal OTLP/gRPC collector that keeps what it receives."""

    def __init__(self) -> None:
        self.traces: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.metrics: list[metrics_service_pb2.ExportMetricsServiceRequest] = []
        self.metadata: list[dict[str, str]] = []

    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.metadata.append({k: str(v) for k, v in context.invocation_metadata()})
        if isinstance(request, trace_service_pb2.ExportTraceServiceRequest):
            self.traces.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()
        self.metrics.append(request)
        return metrics_service_pb2.ExportMetricsServiceResponse()


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    """A real OTLP collector on a free loopback port, and its endpoint URL."""
    received = Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(received, server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(received, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield received, f"http://127.0.0.1:{port}"
    server.stop(grace=None)


SDK_OWN = ("telemetry.", "service.instance.id")


def local(**overrides: object) -> TelemetrySettings:
    values: dict[str, object] = {"service_name": "drop", "metrics_host": "127.0.0.1"}
    return TelemetrySettings(**{**values, **overrides})  # type: ignore[arg-type]


def test_settings_are_read_from_standard_variables() -> None:
    config = load_settings(
        TelemetrySettings,
        environ={
            "OTEL_SERVICE_NAME": "timeline",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
            "OTEL_SDK_DISABLED": "false",
            "METRICS_PORT": "9464",
        },
    )
    assert config.service_name == "timeline"
    assert config.otlp_endpoint == "http://collector:4317"
    assert (config.sdk_disabled, config.metrics_port) == (False, 9464)


def test_bad_telemetry_settings_are_all_reported() -> None:
    with pytest.raises(SettingsError) as info:
        setup_telemetry_from_env(
            {"METRICS_PORT": "65536", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"}
        )
    assert [p.env for p in info.value.problems] == [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "METRICS_PORT",
    ]


def test_resource_attributes_come_from_config_over_the_sdks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "team=x,service.name=ignored")
    resource = build_resource(local(service_version="1.2.3", environment="staging"))
    attributes = dict(resource.attributes)
    assert attributes["telemetry.sdk.name"] == "opentelemetry"  # the SDK's own attributes stay
    assert {key: attributes[key] for key in attributes if not key.startswith(SDK_OWN)} == {
        "team": "x",
        "service.name": "drop",
        "service.version": "1.2.3",
        "service.namespace": "avion",
        "deployment.environment.name": "staging",
    }


def test_resource_attributes_from_the_environment_are_percent_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "team=feeds%20%26%20ads,note=a%2Cb%3Dc")
    attributes = build_resource(local()).attributes
    assert (attributes["team"], attributes["note"]) == ("feeds & ads", "a,b=c")


def test_otel_sdk_disabled_gives_noop_mode() -> None:
    telemetry = setup_telemetry_from_env(
        {"OTEL_SDK_DISABLED": "true", "METRICS_PORT": "0", "METRICS_HOST": "127.0.0.1"}
    )
    with telemetry, telemetry.tracer("t").start_as_current_span("s") as span:
        assert not span.is_recording()
        assert telemetry.metrics_address is None
    enabled = setup_telemetry_from_env({"OTEL_SDK_DISABLED": "false"})
    with enabled, enabled.tracer("t").start_as_current_span("s") as span:
        assert span.is_recording()


def test_the_sampler_is_chosen_by_otel_traces_sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    telemetry = setup_telemetry(local())
    with telemetry, telemetry.tracer("t").start_as_current_span("s") as span:
        assert not span.is_recording()


def test_parent_based_sampling_follows_a_sampled_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    # A ratio of 0 drops new traces, but a caller's sampled trace is continued (ParentBased).
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    carrier = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    unsampled = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
    propagator = TraceContextTextMapPropagator()
    with setup_telemetry(local()) as telemetry:
        tracer = telemetry.tracer("t")
        with tracer.start_as_current_span("root") as root:
            assert not root.is_recording()
        with tracer.start_as_current_span("child", context=propagator.extract(carrier)) as child:
            assert child.is_recording()
        with tracer.start_as_current_span("off", context=propagator.extract(unsampled)) as off:
            assert not off.is_recording()


def test_noop_mode_records_nothing_and_serves_nothing() -> None:
    for telemetry in (Telemetry.noop(), setup_telemetry(local(enabled=False, metrics_port=0))):
        with telemetry, telemetry.tracer("t").start_as_current_span("s") as span:
            assert not span.is_recording()
            telemetry.meter("m").create_counter("c").add(1)
        assert telemetry.metrics_address is None
        with pytest.raises(RuntimeError, match="no-op mode"):
            telemetry.metrics_asgi_app()


def test_prometheus_endpoint_is_scraped_over_real_http() -> None:
    with setup_telemetry(local(metrics_port=0)) as telemetry:
        counter = telemetry.meter("avion.drop").create_counter("drops_created", unit="1")
        counter.add(2, {"visibility": "public"})
        counter.add(1, {"visibility": "public"})
        address = telemetry.metrics_address
        assert address is not None
        host, port = address
        response = httpx.get(f"http://{host}:{port}/metrics", timeout=5)
    assert response.status_code == 200
    lines = response.text.splitlines()
    (sample,) = [line for line in lines if line.startswith("drops_created_total{")]
    assert 'visibility="public"' in sample
    assert sample.endswith(" 3.0")
    assert any(line.startswith("target_info{") and 'service_name="drop"' in line for line in lines)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://{host}:{port}/metrics", timeout=1)


@pytest.mark.anyio
async def test_metrics_can_be_mounted_in_an_asgi_app() -> None:
    with setup_telemetry(local()) as telemetry:
        telemetry.meter("m").create_counter("hits").add(5)
        transport = httpx.ASGITransport(app=telemetry.metrics_asgi_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            response = await client.get("/metrics")
        assert telemetry.metrics_address is None
    assert "hits_total" in response.text


def test_spans_and_metrics_are_exported_over_otlp(collector: tuple[Collector, str]) -> None:
    received, endpoint = collector
    # An http:// endpoint means plaintext, as the SDK and the specification say; nothing else set.
    config = local(
        otlp_endpoint=endpoint,
        otlp_metrics=True,
        otlp_headers={"x-tenant": "avion"},
        metric_export_interval_ms=100_000,
    )
    telemetry = setup_telemetry(config)
    with telemetry.tracer("avion.test").start_as_current_span("create drop") as span:
        span.set_attribute("drop.id", "d1")
    telemetry.meter("avion.test").create_counter("exports").add(1)
    telemetry.shutdown()
    telemetry.shutdown()  # a second call is harmless
    spans = [
        (span.name, {a.key: a.value.string_value for a in resource_spans.resource.attributes})
        for request in received.traces
        for resource_spans in request.resource_spans
        for scope in resource_spans.scope_spans
        for span in scope.spans
    ]
    assert len(spans) == 1
    name, resource = spans[0]
    assert name == "create drop"
    assert resource["service.name"] == "drop"
    metric_names = [
        metric.name
        for request in received.metrics
        for resource_metrics in request.resource_metrics
        for scope in resource_metrics.scope_metrics
        for metric in scope.metrics
    ]
    assert "exports" in metric_names
    assert all(metadata.get("x-tenant") == "avion" for metadata in received.metadata)


def test_capture_telemetry_reads_spans_and_metric_points() -> None:
    with capture_telemetry("svc") as captured:
        with captured.telemetry.tracer("t").start_as_current_span("work"):
            pass
        captured.telemetry.meter("m").create_counter("jobs").add(4, {"kind": "a"})
        captured.telemetry.meter("m").create_histogram("latency").record(1.5)
        (span,) = captured.finished_spans()
        assert span.name == "work"
        assert span.resource.attributes["service.name"] == "svc"
        assert captured.metric_points("jobs") == [({"kind": "a"}, 4)]
        assert captured.metric_points("latency") == [({}, 1)]
        assert captured.metric_points("absent") == []


def test_install_global_sets_the_process_providers() -> None:
    # Global providers can be set once per process, so this runs in a fresh interpreter.
    script = textwrap.dedent(
        """
        from opentelemetry import metrics, trace
        from avion_telemetry import TelemetrySettings, setup_telemetry
        telemetry = setup_telemetry(TelemetrySettings(service_name="g"))
        telemetry.install_global()
        assert trace.get_tracer_provider() is telemetry.tracer_provider
        assert metrics.get_meter_provider() is telemetry.meter_provider
        with trace.get_tracer("x").start_as_current_span("s") as span:
            assert span.is_recording()
        telemetry.shutdown()
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# Edges the mutation run found untested.


def test_tracers_and_meters_carry_their_scope_name_and_version() -> None:
    with capture_telemetry() as captured:
        with captured.telemetry.tracer("avion.auth", "1.2.3").start_as_current_span("s"):
            pass
        captured.telemetry.meter("avion.metrics", "4.5").create_counter("c").add(1)
        (span,) = captured.finished_spans()
        data = captured._metrics.get_metrics_data()
    assert span.instrumentation_scope is not None
    assert (span.instrumentation_scope.name, span.instrumentation_scope.version) == (
        "avion.auth",
        "1.2.3",
    )
    assert data is not None
    (scope,) = [s.scope for r in data.resource_metrics for s in r.scope_metrics]
    assert (scope.name, scope.version) == ("avion.metrics", "4.5")


def test_no_op_mode_says_why_there_is_no_metrics_app() -> None:
    with pytest.raises(RuntimeError) as info:
        Telemetry.noop().metrics_asgi_app()
    assert str(info.value) == "metrics are not collected in no-op mode"


def test_a_second_shutdown_does_nothing(caplog: pytest.LogCaptureFixture) -> None:
    telemetry = setup_telemetry(local(metrics_port=0))
    telemetry.shutdown()
    with caplog.at_level(logging.DEBUG):
        telemetry.shutdown()
    assert caplog.records == []


def test_capture_records_whatever_sampler_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    with capture_telemetry() as captured:
        with captured.telemetry.tracer("t").start_as_current_span("kept"):
            pass
        assert [span.name for span in captured.finished_spans()] == ["kept"]


def test_metrics_are_pushed_at_the_configured_interval(collector: tuple[Collector, str]) -> None:
    received, endpoint = collector
    telemetry = setup_telemetry(
        local(otlp_endpoint=endpoint, otlp_metrics=True, metric_export_interval_ms=100)
    )
    try:
        telemetry.meter("m").create_counter("pushed").add(1)
        deadline = time.monotonic() + 30  # a bound for a loaded machine, not a measurement
        while not received.metrics:
            assert time.monotonic() < deadline, "no metrics pushed before shutdown"
            time.sleep(0.05)
    finally:
        telemetry.shutdown()


def test_the_metrics_endpoint_listens_on_the_configured_host() -> None:
    with setup_telemetry(local(metrics_port=0, metrics_host="127.0.0.1")) as telemetry:
        address = telemetry.metrics_address
        assert address is not None
        assert address[0] == "127.0.0.1"
        assert httpx.get(f"http://127.0.0.1:{address[1]}/metrics", timeout=5).status_code == 200


def test_metric_points_before_anything_was_recorded_are_empty() -> None:
    with capture_telemetry() as captured:
        assert captured.metric_points("anything") == []
        captured.telemetry.meter("m").create_histogram("latency").record(2.0, {"route": "/a"})
        assert captured.metric_points("latency") == [({"route": "/a"}, 1)]


def test_settings_defaults_describe_a_local_process() -> None:
    config = TelemetrySettings()
    assert (config.enabled, config.sdk_disabled, config.otlp_endpoint) == (True, False, None)
