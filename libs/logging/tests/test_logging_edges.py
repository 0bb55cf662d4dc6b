"""Edges the mutation run found untested: the 500 boundary, bodies and headers passing through,
durations, the logger's name and timestamps, and loggers made before configuration."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from avion_logging import (
    LoggingSettings,
    RequestLog,
    RequestLoggingMiddleware,
    configure_logging,
    current_request_id,
    current_trace_id,
    get_logger,
)
from avion_logging import request_log as request_log_module
from avion_logging.asgi import Receive, Scope, Send
from avion_logging.testing import capture_logs


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers the status in the path (/status/<n>) with the request body echoed back."""
    message = await receive()
    status = int(scope["path"].rsplit("/", 1)[1]) if scope["path"].startswith("/status/") else 200
    start: dict[str, Any] = {"type": "http.response.start", "status": status}
    if scope["path"] != "/bare":
        start["headers"] = [(b"content-type", b"text/plain"), (b"x-app", b"kept")]
    await send(start)
    await send({"type": "http.response.body", "body": message.get("body", b"")})


def client(app: Any = echo, **options: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=RequestLoggingMiddleware(app, **options))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "level"), [(499, "info"), (500, "error"), (501, "error")])
async def test_a_5xx_answer_is_an_error_line_and_a_4xx_is_not(status: int, level: str) -> None:
    async with client() as http:
        with capture_logs() as logs:
            response = await http.get(f"/status/{status}")
    assert response.status_code == status
    (entry,) = logs
    assert (entry["event"], entry["status"], entry["log_level"]) == ("http.request", status, level)


@pytest.mark.anyio
async def test_the_body_and_the_apps_headers_pass_through() -> None:
    for path in ("/echo", "/bare"):
        async with client(skip_paths={"/bare"}) as http:
            response = await http.post(path, content=b"payload", headers={"x-request-id": "r-5"})
        assert response.content == b"payload"
        assert response.headers["x-request-id"] == "r-5"
        assert response.headers.get("x-app") == ("kept" if path == "/echo" else None)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``time.perf_counter`` as the request log sees it: the values the test lists, in order."""
    readings: list[float] = []
    monkeypatch.setattr(request_log_module.time, "perf_counter", lambda: readings.pop(0))
    return readings


def test_duration_is_milliseconds_with_three_decimals(fake_clock: list[float]) -> None:
    fake_clock.extend([100.0, 100.2505678])
    with capture_logs() as logs, RequestLog(get_logger("t"), "r", request_id="r1"):
        pass
    assert logs[0]["duration_ms"] == 250.568


def test_a_failed_request_line_keeps_its_event_name() -> None:
    with capture_logs() as logs:
        with RequestLog(get_logger("t"), "grpc.request", request_id="r1") as log:
            log.failed = True
        with pytest.raises(KeyError), RequestLog(get_logger("t"), "grpc.request", request_id="r2"):
            raise KeyError("x")
    assert [(e["event"], e["log_level"]) for e in logs] == [("grpc.request", "error")] * 2


def test_ids_are_strings_or_nothing() -> None:
    import structlog

    with structlog.contextvars.bound_contextvars(request_id=42, trace_id=["x"]):
        assert current_request_id() is None
        assert current_trace_id() is None


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_name_their_logger_and_carry_utc_iso_timestamps() -> None:
    early = get_logger("made.before.configuration", component="early")
    stream = io.StringIO()
    configure_logging(LoggingSettings(), stream=stream)
    early.info("first")
    with capture_logs() as captured:  # a logger made earlier is still captured
        early.info("captured")
    configure_logging(LoggingSettings(), stream=stream)  # reconfigured: the early logger follows
    early.info("second")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["logger"], first["component"]) == ("made.before.configuration", "early")
    assert second["event"] == "second"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", first["timestamp"])
    assert datetime.fromisoformat(first["timestamp"]).utcoffset() is not None
    assert [entry["event"] for entry in captured] == ["captured"]


@pytest.mark.usefixtures("restore_logging")
def test_console_lines_have_no_colour_codes() -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="console"), stream=stream)
    get_logger("x").warning("plain", who="ops")
    assert "\x1b[" not in stream.getvalue()


@pytest.mark.anyio
async def test_the_middleware_logs_as_avion_http(
    restore_logging: None,
) -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(), stream=stream)
    async with client() as http:
        await http.get("/x")
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    (line,) = [entry for entry in lines if entry["event"] == "http.request"]
    assert line["logger"] == "avion.http"
