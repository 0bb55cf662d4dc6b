"""ASGI middleware that logs every HTTP request with its status and duration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

import structlog

from avion_logging.context import accept_request_id, trace_id_from_traceparent
from avion_logging.request_log import RequestLog

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestLoggingMiddleware:
    """Wraps an ASGI app: binds request/trace ids, echoes the request id, logs ``http.request``.

    The request id comes from the ``request_id_header`` when the caller sent a sane one, else it is
    generated; the trace id comes from a W3C ``traceparent`` header. A 5xx answer or a crash is
    logged at error level. Requests to ``skip_paths`` (health probes, metrics scrapes) still get
    the response header but no log line.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger: structlog.stdlib.BoundLogger | None = None,
        request_id_header: str = "x-request-id",
        skip_paths: Collection[str] = (),
    ) -> None:
        self._app = app
        self._logger = logger or structlog.stdlib.get_logger("avion.http")
        self._header = request_id_header.lower().encode("latin-1")
        self._skip_paths = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = _headers(scope)
        request_id = accept_request_id(headers.get(self._header))
        log = RequestLog(
            self._logger,
            "http.request",
            request_id=request_id,
            trace_id=trace_id_from_traceparent(headers.get(b"traceparent")),
            method=scope.get("method"),
            path=scope.get("path"),
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                log.status = message["status"]
                log.failed = message["status"] >= 500
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != self._header),
                    (self._header, request_id.encode("latin-1")),
                ]
            await send(message)

        if scope.get("path") in self._skip_paths:
            await self._app(scope, receive, send_with_id)
            return
        with log:
            try:
                await self._app(scope, receive, send_with_id)
            except BaseException:
                if log.status is None:
                    log.status = 500  # what the server will answer for an app that crashed
                raise


def _headers(scope: Scope) -> dict[bytes, str]:
    return {name.lower(): value.decode("latin-1") for name, value in scope.get("headers", ())}
