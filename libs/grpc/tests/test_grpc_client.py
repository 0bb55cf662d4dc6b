"""Client interceptors against a real server: request id and trace context reach the callee."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from avion_errors import NOT_FOUND
from avion_grpc import client_interceptors, domain_error_from_rpc_error, outbound_metadata
from avion_logging import bound_request_context
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
