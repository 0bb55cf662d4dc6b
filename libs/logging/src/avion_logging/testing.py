"""Helpers for asserting what code logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from structlog.typing import EventDict


@contextmanager
def capture_logs() -> Iterator[list[EventDict]]:
    """Collect every structlog event dict emitted inside the block, context ids included.

    Each entry has ``event``, ``log_level`` and the bound fields (``request_id``, ``trace_id``,
    ...). Rendering is skipped, so assertions see the values, not a formatted string.
    """
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as entries:
        yield entries
