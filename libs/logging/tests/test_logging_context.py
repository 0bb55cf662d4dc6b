"""Context ids: parsing, binding, propagation."""

from __future__ import annotations

import asyncio

import pytest
from avion_logging import (
    accept_request_id,
    bound_request_context,
    current_request_id,
    current_trace_id,
    get_logger,
    new_request_id,
    trace_id_from_traceparent,
)
from avion_logging.testing import capture_logs

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"  # pragma: allowlist secret


def test_new_request_ids_are_unique_hex() -> None:
    first, second = new_request_id(), new_request_id()
    assert first != second
    assert len(first) == 32
    int(first, 16)


@pytest.mark.parametrize("good", ["abc-123", "a" * 128, "req_1.2:3/4+5=6"])
def test_sane_incoming_request_ids_are_kept(good: str) -> None:
    assert accept_request_id(good) == good


@pytest.mark.parametrize("bad", [None, "", "a" * 129, "has space", "new\nline", "é"])
def test_odd_incoming_request_ids_are_replaced(bad: str | None) -> None:
    replaced = accept_request_id(bad)
    assert replaced != bad
    assert len(replaced) == 32


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),
        (f" 00-{TRACE.upper()}-00f067aa0ba902b7-00 ", TRACE),
        (f"00-{'0' * 32}-00f067aa0ba902b7-01", None),
        ("00-abc-def-01", None),
        ("", None),
        (None, None),
    ],
)
def test_trace_id_is_taken_from_traceparent(header: str | None, expected: str | None) -> None:
    assert trace_id_from_traceparent(header) == expected


def test_bound_ids_appear_in_logs_and_are_unbound_after() -> None:
    log = get_logger("test")
    with capture_logs() as logs:
        with bound_request_context(request_id="r1", trace_id=None, user="u1"):
            assert current_request_id() == "r1"
            assert current_trace_id() is None
            log.info("inside")
        log.info("outside")
    assert logs[0] == {"event": "inside", "log_level": "info", "request_id": "r1", "user": "u1"}
    assert logs[1] == {"event": "outside", "log_level": "info"}
    assert current_request_id() is None


@pytest.mark.anyio
async def test_bound_ids_follow_tasks_started_inside_the_block() -> None:
    async def child() -> tuple[str | None, str | None]:
        await asyncio.sleep(0)
        return current_request_id(), current_trace_id()

    with bound_request_context(request_id="r2", trace_id=TRACE):
        task = asyncio.create_task(child())
    assert await task == ("r2", TRACE)
    assert current_request_id() is None
