"""RequestLog: one log line per handled request, with its status and duration.

The ASGI middleware here and the gRPC interceptor in ``avion_grpc`` both use it, so HTTP and gRPC
requests are logged with the same fields.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from types import TracebackType
from typing import Any

import structlog

from avion_logging.context import bound_request_context


class RequestLog:
    """Context manager: binds the request's ids, times the block, then logs ``event`` once.

    Set :attr:`status` inside the block, and :attr:`failed` when that status is a server-side
    failure: such a request is logged at error level, as is one whose block raised (the exception
    is logged with its traceback and re-raised). Anything else is logged at info level.
    Exceptions of the ``expected`` types are how a framework ends a request on purpose (gRPC's
    abort, a cancellation): they are logged by status alone, without a traceback.
    """

    def __init__(
        self,
        logger: structlog.stdlib.BoundLogger,
        event: str,
        *,
        request_id: str,
        trace_id: str | None = None,
        expected: tuple[type[BaseException], ...] = (),
        **fields: Any,
    ) -> None:
        self._logger = logger
        self._event = event
        self._ids = {"request_id": request_id, "trace_id": trace_id}
        self._fields = fields
        self._expected = expected
        self._stack = ExitStack()
        self._started = 0.0
        self.status: int | str | None = None
        self.failed = False

    def __enter__(self) -> RequestLog:
        self._stack.enter_context(bound_request_context(**self._ids))
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        duration_ms = round((time.perf_counter() - self._started) * 1000, 3)
        fields = {**self._fields, "status": self.status, "duration_ms": duration_ms}
        try:
            if exc is not None and not isinstance(exc, self._expected):
                self._logger.error(self._event, **fields, exc_info=exc)
            elif self.failed:
                self._logger.error(self._event, **fields)
            else:
                self._logger.info(self._event, **fields)
        finally:
            self._stack.close()
