"""The ASGI middleware, driven through httpx's ASGI transport like a real server would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from avion_logging import RequestLoggingMiddleware
from avion_logging.asgi import Receive, Scope, Send
from avion_logging.testing import capture_logs

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """A tiny app: /boom crashes, /status/<n> answers n, anything else 200 with its path."""
    path: str = scope["path"]
    if path == "/boom":
        raise RuntimeError("handler crashed")
    status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"x-request-id", b"app-set")],
        }
    )
    await send({"type": "http.response.body", "body": path.encode()})


def client(**options: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=RequestLoggingMiddleware(app, **options))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.anyio
async def test_each_request_is_logged_with_status_duration_and_ids() -> None:
    async with client() as http:
        with capture_logs() as logs:
            response = await http.get(
                "/users/1", headers={"x-request-id": "req-1", "traceparent": TRACEPARENT}
            )
    assert response.status_code == 200
    assert response.headers.get_list("x-request-id") == ["req-1"]
    (entry,) = logs
    assert entry["event"] == "http.request"
    assert entry["log_level"] == "info"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/users/1", 200)
    assert entry["request_id"] == "req-1"
    assert entry["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0


@pytest.mark.anyio
async def test_a_request_id_is_generated_when_the_caller_sent_none() -> None:
    async with client() as http:
        with capture_logs() as logs:
            response = await http.get("/")
    generated = response.headers["x-request-id"]
    assert len(generated) == 32
    assert logs[0]["request_id"] == generated
    assert "trace_id" not in logs[0]


@pytest.mark.anyio
async def test_server_errors_are_logged_at_error_level() -> None:
    async with client() as http:
        with capture_logs() as logs:
            response = await http.get("/status/503")
            await http.get("/status/404")
    assert response.status_code == 503
    assert [(e["status"], e["log_level"]) for e in logs] == [(503, "error"), (404, "info")]


@pytest.mark.anyio
async def test_a_crashing_app_is_logged_as_500_with_the_exception() -> None:
    async with client() as http:
        with capture_logs() as logs, pytest.raises(RuntimeError, match="handler crashed"):
            await http.get("/boom")
    (entry,) = logs
    assert (entry["status"], entry["log_level"]) == (500, "error")
    assert isinstance(entry["exc_info"], RuntimeError)


@pytest.mark.anyio
async def test_skipped_paths_get_an_id_but_no_log_line() -> None:
    async with client(skip_paths={"/healthz"}, request_id_header="X-Correlation-Id") as http:
        with capture_logs() as logs:
            response = await http.get("/healthz", headers={"x-correlation-id": "c-1"})
    assert response.headers["x-correlation-id"] == "c-1"
    assert logs == []


@pytest.mark.anyio
async def test_non_http_scopes_pass_through_untouched() -> None:
    seen: list[Any] = []

    async def lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        seen.append(await receive())
        await send({"type": "lifespan.startup.complete"})

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        seen.append(message)

    scope: Scope = {"type": "lifespan"}
    with capture_logs() as logs:
        await RequestLoggingMiddleware(lifespan_app)(scope, receive, send)
    assert seen == [scope, {"type": "lifespan.startup"}, {"type": "lifespan.startup.complete"}]
    assert logs == []
