"""Request and trace ids carried in contextvars, so every log line of a request carries them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

REQUEST_ID_KEY = "request_id"
"""The log event key holding the current request ID."""
TRACE_ID_KEY = "trace_id"
"""The log event key holding the current trace ID (from the W3C ``traceparent``)."""

_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def new_request_id() -> str:
    """A fresh random request id (32 hex characters)."""
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    """``candidate`` when it is a sane id from a caller, else a fresh one.

    Ids arrive in headers and metadata from outside; an oversized or odd one is replaced rather
    than written into every log line.
    """
    if candidate and _REQUEST_ID.fullmatch(candidate):
        return candidate
    return new_request_id()


def trace_id_from_traceparent(header: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` header, or ``None`` if it is absent or malformed."""
    if not header:
        return None
    match = _TRACEPARENT.fullmatch(header.strip().lower())
    if match is None or match.group(1) == "0" * 32:
        return None
    return match.group(1)


@contextmanager
def bound_request_context(
    *, request_id: str | None = None, trace_id: str | None = None, **fields: object
) -> Iterator[None]:
    """Bind ids (and any extra fields) to the current context for the duration of the block.

    ``None`` values are left out. The binding is a contextvar, so it follows ``await`` and tasks
    started inside the block, and is undone on exit.
    """
    values = {REQUEST_ID_KEY: request_id, TRACE_ID_KEY: trace_id, **fields}
    with structlog.contextvars.bound_contextvars(
        **{key: value for key, value in values.items() if value is not None}
    ):
        yield


def current_request_id() -> str | None:
    """The request id bound in the current context, if any."""
    value = structlog.contextvars.get_contextvars().get(REQUEST_ID_KEY)
    return value if isinstance(value, str) else None


def current_trace_id() -> str | None:
    """The trace id bound in the current context, if any."""
    value = structlog.contextvars.get_contextvars().get(TRACE_ID_KEY)
    return value if isinstance(value, str) else None
