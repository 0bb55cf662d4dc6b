"""The HTTP side of the service: a small ASGI app for probes and metrics.

``/healthz`` (liveness: the process answers), ``/readyz`` (readiness: every dependency answers)
and ``/metrics`` (Prometheus). Served by uvicorn; requests other than probes and scrapes are
logged by avion_logging's middleware.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from avion_logging import RequestLoggingMiddleware

from avion_service.readiness import Readiness

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"
PROBE_PATHS = (HEALTHZ, READYZ, METRICS)


class ProbeApp:
    """Routes the three probe paths; anything else is 404, anything but GET/HEAD is 405."""

    def __init__(self, readiness: Readiness, metrics: ASGIApp | None) -> None:
        self._readiness = readiness
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        head = method == "HEAD"
        if path not in PROBE_PATHS:
            await send_json(send, 404, {"error": f"no such path: {path}"}, head=head)
        elif method not in ("GET", "HEAD"):
            await send_json(
                send, 405, {"error": "use GET"}, head=head, headers=[(b"allow", b"GET, HEAD")]
            )
        elif path == HEALTHZ:
            await send_json(send, 200, {"status": "ok"}, head=head)
        elif path == READYZ:
            report = await self._readiness.check()
            await send_json(send, 200 if report.ready else 503, report.to_json(), head=head)
        elif self._metrics is None:
            await send_json(
                send, 404, {"error": "metrics are off (TELEMETRY_ENABLED=false)"}, head=head
            )
        else:
            await self._metrics(scope, receive, send)


async def send_json(
    send: Send,
    status: int,
    body: dict[str, Any],
    *,
    head: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(readiness: Readiness, metrics: ASGIApp | None) -> ASGIApp:
    """The probe app wrapped in request logging (probes and scrapes are not logged)."""
    return RequestLoggingMiddleware(ProbeApp(readiness, metrics), skip_paths=PROBE_PATHS)
