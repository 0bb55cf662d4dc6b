"""Client interceptors against a real server: request id and trace context reach the callee."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
import structlog
from avion_errors import NOT_FOUND
from avion_grpc import client as client_module
from avion_grpc import client_interceptors, domain_error_from_rpc_error, outbound_metadata
from avion_logging import LoggingSettings, bound_request_context, configure_logging
from avion_logging.testing import capture_logs
from avion_telemetry.testing import capture_telemetry
from conftest import wait_until
from grpc_echo_service import SERVICE, Harness
from opentelemetry.trace import SpanKind

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
async def channel(harness: Harness) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the harness's server through the client interceptors, without tracing."""
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{harness.server.port}", interceptors=client_interceptors()
    ) as intercepted:
        yield intercepted


def lines(logs: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == event]


async def say(channel: grpc.aio.Channel, request: bytes, **kwargs: Any) -> bytes:
    response: bytes = await channel.unary_unary(f"/{SERVICE}/Say")(request, timeout=10, **kwargs)
    return response


@pytest.mark.anyio
async def test_the_callers_request_id_reaches_the_server(channel: grpc.aio.Channel) -> None:
    with capture_logs() as logs, bound_request_context(request_id="req-from-gateway"):
        assert await say(channel, b"log") == b"req-from-gateway"
    await wait_until(lambda: lines(logs, "grpc.request"))
    (client,) = lines(logs, "grpc.client.request")
    (server,) = lines(logs, "grpc.request")
    assert client["request_id"] == server["request_id"] == "req-from-gateway"
    assert (client["method"], client["status"]) == (f"/{SERVICE}/Say", "OK")


@pytest.mark.anyio
async def test_without_a_request_id_a_new_one_is_sent(channel: grpc.aio.Channel) -> None:
    first, second = await say(channel, b"log"), await say(channel, b"log")
    assert re.fullmatch(rb"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.anyio
async def test_metadata_set_by_the_caller_wins(channel: grpc.aio.Channel) -> None:
    with bound_request_context(request_id="from-context"):
        response = await say(channel, b"log", metadata=(("x-request-id", "explicit"),))
    assert response == b"explicit"
    kept = outbound_metadata((("traceparent", TRACEPARENT), ("a", "1")), "r1")
    assert (kept["traceparent"], kept["a"], kept["x-request-id"]) == (TRACEPARENT, "1", "r1")


@pytest.mark.anyio
async def test_the_trace_continues_from_client_span_to_server_span(harness: Harness) -> None:
    # Client and server record into one capture here, as they would export to one collector.
    provider = harness.telemetry.telemetry.tracer_provider
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{harness.server.port}", interceptors=client_interceptors(provider)
    ) as traced:
        with capture_logs() as logs:
            await say(traced, b"log")
        await wait_until(lambda: len(harness.telemetry.finished_spans()) == 2)
    server_span, client_span = sorted(
        harness.telemetry.finished_spans(), key=lambda span: span.kind is SpanKind.CLIENT
    )
    assert client_span.kind is SpanKind.CLIENT
    assert client_span.name == f"{SERVICE}/Say"
    assert client_span.attributes is not None
    assert client_span.attributes["rpc.grpc.status_code"] == 0
    assert server_span.parent is not None
    assert server_span.parent.span_id == client_span.context.span_id
    trace_id = f"{client_span.context.trace_id:032x}"
    assert f"{server_span.context.trace_id:032x}" == trace_id
    assert [line["event"] for line in logs] == [
        "handler.work",
        "grpc.request",
        "grpc.client.request",
    ]
    assert {line["trace_id"] for line in logs} == {trace_id}
    assert len({line["request_id"] for line in logs}) == 1


@pytest.mark.anyio
async def test_a_callers_current_span_is_propagated_without_a_client_tracer(
    channel: grpc.aio.Channel, harness: Harness
) -> None:
    with capture_telemetry("caller") as caller:
        with caller.telemetry.tracer("gateway").start_as_current_span("GET /users") as span:
            await say(channel, b"hi")
        await wait_until(lambda: len(harness.telemetry.finished_spans()) == 1)
    (server_span,) = harness.telemetry.finished_spans()
    assert server_span.context.trace_id == span.get_span_context().trace_id
    assert server_span.parent is not None
    assert server_span.parent.span_id == span.get_span_context().span_id


@pytest.mark.anyio
async def test_errors_reach_the_caller_intact_and_are_logged(channel: grpc.aio.Channel) -> None:
    with capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as info:
        await say(channel, b"not-found")
    assert info.value.code() is grpc.StatusCode.NOT_FOUND
    error = domain_error_from_rpc_error(info.value)
    assert error is not None
    assert error.code == NOT_FOUND
    with capture_logs() as crash_logs, pytest.raises(grpc.aio.AioRpcError):
        await say(channel, b"crash")
    (line,) = lines(logs, "grpc.client.request")
    assert (line["status"], line["log_level"]) == ("NOT_FOUND", "info")
    (crash,) = lines(crash_logs, "grpc.client.request")
    assert (crash["status"], crash["log_level"]) == ("INTERNAL", "error")


@pytest.mark.anyio
async def test_streaming_calls_carry_the_request_id(channel: grpc.aio.Channel) -> None:
    count = channel.unary_stream(f"/{SERVICE}/Count")
    total = channel.stream_unary(f"/{SERVICE}/Total")
    chat = channel.stream_stream(f"/{SERVICE}/Chat")
    with capture_logs() as logs, bound_request_context(request_id="streams"):
        assert [item async for item in count(b"")] == [b"1", b"2"]
        assert await total(iter([b"ab"])) == b"2"
        assert [item async for item in chat(iter([b"a"]))] == [b"A"]
    await wait_until(lambda: len(lines(logs, "grpc.request")) == 3)
    assert [line["request_id"] for line in lines(logs, "grpc.request")] == ["streams"] * 3


# Edges the mutation run found untested.


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(LoggingSettings(), stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def json_lines(stream: io.StringIO, event: str) -> list[dict[str, Any]]:
    found = [json.loads(text) for text in stream.getvalue().splitlines()]
    return [line for line in found if line.get("event") == event]


@pytest.mark.anyio
async def test_client_spans_are_described_and_failures_marked(harness: Harness) -> None:
    provider = harness.telemetry.telemetry.tracer_provider
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{harness.server.port}", interceptors=client_interceptors(provider)
    ) as traced:
        await say(traced, b"hi")
        with capture_logs(), pytest.raises(grpc.aio.AioRpcError):
            await say(traced, b"crash")
        with pytest.raises(grpc.aio.AioRpcError):
            await say(traced, b"not-found")
        await wait_until(lambda: len(harness.telemetry.finished_spans()) == 6)
    ok, crash, missing = [
        s for s in harness.telemetry.finished_spans() if s.kind is SpanKind.CLIENT
    ]
    assert ok.instrumentation_scope is not None
    assert ok.instrumentation_scope.name == "avion_grpc.client"
    assert dict(ok.attributes or {}) == {
        "rpc.system": "grpc",
        "rpc.service": SERVICE,
        "rpc.method": "Say",
        "rpc.grpc.status_code": 0,
    }
    assert ok.status.is_unset
    assert (crash.status.status_code.name, crash.status.description) == ("ERROR", "INTERNAL")
    assert crash.events == ()  # the status says it; no exception event on the client
    assert missing.status.is_unset  # NOT_FOUND is the caller's problem, not a failure
    assert (missing.attributes or {})["rpc.grpc.status_code"] == 5


@pytest.mark.anyio
async def test_client_lines_come_from_their_logger_with_a_duration(
    harness: Harness, json_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    readings = iter([10.0, 10.0123456])
    monkeypatch.setattr(client_module, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{harness.server.port}", interceptors=client_interceptors()
    ) as channel:
        await say(channel, b"hi")
    (line,) = json_lines(json_logs, "grpc.client.request")
    assert (line["logger"], line["duration_ms"]) == ("avion.grpc.client", 12.346)
    assert "trace_id" not in line  # no span anywhere: no trace to name


@pytest.mark.anyio
async def test_a_given_logger_is_used(harness: Harness, json_logs: io.StringIO) -> None:
    logger = structlog.stdlib.get_logger("gateway.calls")
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{harness.server.port}", interceptors=client_interceptors(logger=logger)
    ) as channel:
        await say(channel, b"hi")
    (line,) = json_lines(json_logs, "grpc.client.request")
    assert line["logger"] == "gateway.calls"


@pytest.mark.anyio
async def test_the_callers_deadline_and_stream_requests_pass_through(
    channel: grpc.aio.Channel,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await channel.unary_unary(f"/{SERVICE}/Say")(b"slow", timeout=0.05)
    assert late.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    received = []
    with capture_logs(), pytest.raises(grpc.aio.AioRpcError) as broke:  # noqa: PT012
        async for item in channel.unary_stream(f"/{SERVICE}/Count")(b"crash-mid-stream"):
            received.append(item)
    assert (received, broke.value.code()) == ([b"1", b"2"], grpc.StatusCode.INTERNAL)


def test_a_callers_traceparent_is_not_doubled() -> None:
    with (
        capture_telemetry("caller") as caller,
        caller.telemetry.tracer("t").start_as_current_span("s"),
    ):
        kept = outbound_metadata((("traceparent", TRACEPARENT),), "r1")
        fresh = outbound_metadata((), "r1")
    assert kept.get_all("traceparent") == [TRACEPARENT]
    assert len(fresh.get_all("traceparent")) == 1
    assert fresh.get_all("traceparent") != [TRACEPARENT]


def test_an_rpc_error_without_metadata_carries_no_domain_error() -> None:
    assert domain_error_from_rpc_error(grpc.RpcError()) is None
