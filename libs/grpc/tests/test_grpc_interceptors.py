"""Interceptors against a real server and channel: statuses, logs and spans."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from avion_errors import NOT_FOUND
from avion_grpc import (
    CALL_DURATION,
    GrpcServer,
    LoggingInterceptor,
    TracingInterceptor,
    bad_request_violations,
    default_interceptors,
    domain_error_from_rpc_error,
)
from avion_logging.testing import capture_logs
from avion_telemetry.testing import capture_telemetry
from conftest import wait_until
from grpc_echo_service import SERVICE, Harness, echo_handlers
from opentelemetry.trace import NoOpTracerProvider

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def request_lines(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == "grpc.request"]


async def server_finished(harness: Harness, logs: list[dict[str, Any]], calls: int = 1) -> None:
    """Wait until the server logged and traced ``calls`` calls.

    The client can have its answer before the server's interceptors have unwound: an aborted
    call's status is sent at the abort. Polled with a generous bound, never a fixed sleep.
    """
    await wait_until(
        lambda: (
            len(request_lines(logs)) >= calls and len(harness.telemetry.finished_spans()) >= calls
        ),
        f"{calls} logged and traced call(s)",
    )


@pytest.mark.anyio
async def test_a_successful_call_is_logged_and_traced(harness: Harness) -> None:
    with capture_logs() as logs:
        response = await harness.say(b"log", metadata=(("x-request-id", "req-7"),))
        await server_finished(harness, logs)
    assert response == b"req-7"  # the handler saw the caller's request id
    work, request = logs
    assert work["event"] == "handler.work"
    assert work["request_id"] == "req-7"
    assert request["event"] == "grpc.request"
    assert (request["method"], request["status"]) == (f"/{SERVICE}/Say", "OK")
    assert request["log_level"] == "info"
    assert request["duration_ms"] >= 0
    (span,) = harness.telemetry.finished_spans()
    assert span.name == f"{SERVICE}/Say"
    assert span.kind.name == "SERVER"
    assert span.attributes is not None
    assert dict(span.attributes) == {
        "rpc.system": "grpc",
        "rpc.service": SERVICE,
        "rpc.method": "Say",
        "rpc.grpc.status_code": 0,
    }
    assert work["trace_id"] == request["trace_id"] == f"{span.context.trace_id:032x}"


@pytest.mark.anyio
async def test_the_callers_trace_is_continued(harness: Harness) -> None:
    with capture_logs() as logs:
        await harness.say(b"hi", metadata=(("traceparent", TRACEPARENT),))
        await server_finished(harness, logs)
    (span,) = harness.telemetry.finished_spans()
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None
    assert f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert request_lines(logs)[0]["trace_id"] == TRACE_ID


@pytest.mark.anyio
async def test_domain_errors_become_their_status_and_travel_to_the_caller(
    harness: Harness,
) -> None:
    with capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.say(b"not-found")
    await server_finished(harness, logs)
    assert info.value.code() is grpc.StatusCode.NOT_FOUND
    assert info.value.details() == "user 42 not found"
    error = domain_error_from_rpc_error(info.value)
    assert error is not None
    assert (error.code, error.details) == (NOT_FOUND, {"user_id": 42})
    (line,) = request_lines(logs)
    assert (line["status"], line["log_level"]) == ("NOT_FOUND", "info")
    assert "exc_info" not in line
    (span,) = harness.telemetry.finished_spans()
    assert span.status.is_ok
    assert span.attributes is not None
    assert span.attributes["rpc.grpc.status_code"] == 5


@pytest.mark.anyio
async def test_unexpected_exceptions_become_internal_without_leaking(harness: Harness) -> None:
    with capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.say(b"crash")
    await server_finished(harness, logs)
    assert info.value.code() is grpc.StatusCode.INTERNAL
    assert info.value.details() == "internal error"
    assert domain_error_from_rpc_error(info.value) is None
    crash, line = logs
    assert crash["event"] == "grpc.unexpected_error"
    assert isinstance(crash["exc_info"], RuntimeError)
    assert crash["request_id"] == line["request_id"]
    assert (line["status"], line["log_level"]) == ("INTERNAL", "error")
    (span,) = harness.telemetry.finished_spans()
    assert not span.status.is_ok
    assert span.status.description == "INTERNAL"


@pytest.mark.anyio
async def test_statuses_set_by_handlers_are_kept(harness: Harness) -> None:
    with capture_logs() as logs:
        with pytest.raises(grpc.aio.AioRpcError) as aborted:
            await harness.say(b"abort")
        with pytest.raises(grpc.aio.AioRpcError) as coded:
            await harness.say(b"set-code")
        await server_finished(harness, logs, 2)
    assert aborted.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert coded.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert [line["status"] for line in request_lines(logs)] == [
        "PERMISSION_DENIED",
        "FAILED_PRECONDITION",
    ]


@pytest.mark.anyio
async def test_malformed_error_metadata_is_ignored_by_the_client(harness: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.say(b"bad-error-metadata")
    assert domain_error_from_rpc_error(info.value) is None


@pytest.mark.anyio
async def test_streaming_calls_pass_through_the_interceptors(harness: Harness) -> None:
    count = harness.channel.unary_stream(f"/{SERVICE}/Count")
    writing = harness.channel.unary_stream(f"/{SERVICE}/CountByWriting")
    total = harness.channel.stream_unary(f"/{SERVICE}/Total")
    chat = harness.channel.stream_stream(f"/{SERVICE}/Chat")
    sync = harness.channel.unary_unary(f"/{SERVICE}/SaySync")
    with capture_logs() as logs:
        assert [item async for item in count(b"")] == [b"1", b"2"]
        assert [item async for item in writing(b"")] == [b"w1", b"w2"]
        assert await total(iter([b"ab", b"cde"])) == b"5"
        assert [item async for item in chat(iter([b"a", b"b"]))] == [b"A", b"B"]
        assert await sync(b"x") == b"sync:x"
        await server_finished(harness, logs, 5)
    assert [line["status"] for line in request_lines(logs)] == ["OK"] * 5
    assert len(harness.telemetry.finished_spans()) == 5


@pytest.mark.anyio
async def test_a_stream_that_breaks_midway_ends_with_internal(harness: Harness) -> None:
    received = []
    with capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as info:  # noqa: PT012
        async for item in harness.channel.unary_stream(f"/{SERVICE}/Count")(b"crash-mid-stream"):
            received.append(item)
    await server_finished(harness, logs)
    assert received == [b"1", b"2"]
    assert info.value.code() is grpc.StatusCode.INTERNAL
    assert request_lines(logs)[0]["status"] == "INTERNAL"


@pytest.mark.anyio
async def test_unknown_methods_are_unimplemented_and_not_wrapped(harness: Harness) -> None:
    with capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.channel.unary_unary(f"/{SERVICE}/Nope")(b"")
    assert info.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert request_lines(logs) == []


def test_default_interceptors_are_ordered_outermost_first() -> None:
    names = [type(i).__name__ for i in default_interceptors()]
    assert names == [
        "MetricsInterceptor",
        "LoggingInterceptor",
        "RecoveryInterceptor",
        "DomainErrorInterceptor",
    ]
    with_tracing = default_interceptors(tracer_provider=NoOpTracerProvider())
    assert [type(i).__name__ for i in with_tracing] == ["TracingInterceptor", *names]


@pytest.mark.anyio
async def test_without_recovery_a_crash_is_unknown_and_logged_with_its_traceback() -> None:
    with capture_telemetry() as telemetry:
        provider = telemetry.telemetry.tracer_provider
        interceptors = [TracingInterceptor(provider), LoggingInterceptor()]
        server = GrpcServer(address="127.0.0.1:0", interceptors=interceptors, reflection=False)
        server.server.add_generic_rpc_handlers([echo_handlers()])
        port = await server.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            say = channel.unary_unary(f"/{SERVICE}/Say")
            with capture_logs() as logs:
                with pytest.raises(grpc.aio.AioRpcError) as crashed:
                    await say(b"crash", timeout=5)
                with pytest.raises(grpc.aio.AioRpcError) as timed_out:
                    await say(b"slow", timeout=0.05)
                await wait_until(lambda: len(request_lines(logs)) == 2, "two request lines")
                await wait_until(lambda: len(telemetry.finished_spans()) == 2, "two spans")
        await server.stop(grace=0)
        crash, cancelled = request_lines(logs)
        assert crashed.value.code() is grpc.StatusCode.UNKNOWN
        assert (crash["status"], crash["log_level"]) == ("UNKNOWN", "error")
        assert isinstance(crash["exc_info"], RuntimeError)
        assert timed_out.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        assert (cancelled["status"], cancelled["log_level"]) == ("CANCELLED", "info")
        crash_span = telemetry.finished_spans()[0]
        assert [event.name for event in crash_span.events] == ["exception"]


@pytest.mark.anyio
async def test_field_violations_travel_as_standard_bad_request_details(harness: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.say(b"invalid")
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details() == "invalid password, email"
    assert bad_request_violations(info.value) == {
        "password": "must be at least 12 characters",  # pragma: allowlist secret
        "email": "malformed",
    }
    error = domain_error_from_rpc_error(info.value)
    assert error is not None
    assert error.details["field_violations"][0]["field"] == "password"  # type: ignore[index]


@pytest.mark.anyio
async def test_errors_without_field_violations_have_no_bad_request(harness: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await harness.say(b"not-found")
    assert bad_request_violations(info.value) == {}
    assert "grpc-status-details-bin" not in dict(info.value.trailing_metadata() or ())


@pytest.mark.anyio
async def test_every_call_is_measured_with_its_method_and_status_code(harness: Harness) -> None:
    await harness.say(b"hi")
    await harness.say(b"hi")
    with capture_logs(), pytest.raises(grpc.aio.AioRpcError):
        await harness.say(b"crash")
    points = {
        (attrs["rpc.method"], attrs["rpc.grpc.status_code"]): count
        for attrs, count in harness.telemetry.metric_points(CALL_DURATION)
    }
    assert points == {("Say", 0): 2, ("Say", grpc.StatusCode.INTERNAL.value[0]): 1}
    attrs = harness.telemetry.metric_points(CALL_DURATION)[0][0]
    assert (attrs["rpc.system"], attrs["rpc.service"]) == ("grpc", SERVICE)
