"""Edges the mutation run found untested: durations, names in messages, the typing-only method."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import structlog
from avion_cqrs import (
    Bus,
    Command,
    DuplicateHandlerError,
    HandlerNotFoundError,
    LoggingMiddleware,
    Message,
    current_unit_of_work,
)
from avion_cqrs import middleware as middleware_module
from avion_logging import LoggingSettings, configure_logging
from avion_logging.testing import capture_logs


@dataclass(frozen=True)
class Ping(Command[str]):
    text: str


class Plain(Message[int]):
    """Neither command nor query: described with the base's kind, "message"."""


async def pong(command: Ping) -> str:
    return command.text


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    readings: list[float] = []
    monkeypatch.setattr(middleware_module.time, "perf_counter", lambda: readings.pop(0))
    return readings


@pytest.mark.anyio
async def test_dispatch_duration_is_milliseconds_with_three_decimals(
    fake_clock: list[float],
) -> None:
    fake_clock.extend([5.0, 5.0123456])
    bus = Bus([LoggingMiddleware()])
    bus.register(Ping, pong)
    with capture_logs() as logs:
        assert await bus.dispatch(Ping("hi")) == "hi"
    assert logs[0]["duration_ms"] == 12.346


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(LoggingSettings(), stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.anyio
async def test_dispatch_lines_come_from_the_avion_cqrs_logger(json_logs: io.StringIO) -> None:
    bus = Bus([LoggingMiddleware()])
    bus.register(Ping, pong)
    await bus.dispatch(Ping("x"))
    (line,) = [json.loads(text) for text in json_logs.getvalue().splitlines()]
    assert (line["event"], line["logger"]) == ("cqrs.dispatch", "avion.cqrs")


def test_errors_name_kinds_and_handlers_exactly() -> None:
    bus = Bus()
    bus.register(Ping, pong)
    with pytest.raises(DuplicateHandlerError) as duplicate:
        bus.register(Ping, pong)
    assert duplicate.value.message_type is Ping
    assert str(duplicate.value) == (
        f"command Ping already has a handler ({__name__}.pong); cannot also register "
        f"{__name__}.pong"
    )
    error = HandlerNotFoundError(Plain, [])
    assert str(error) == "no handler registered for message Plain; registered: none"


def test_handler_result_is_for_type_checkers_only() -> None:
    with pytest.raises(NotImplementedError) as info:
        Ping("x").handler_result()
    assert str(info.value) == "Ping.handler_result is for typing only"


def test_outside_a_command_there_is_no_unit_of_work() -> None:
    with pytest.raises(LookupError) as info:
        current_unit_of_work()
    assert str(info.value) == (
        "no unit of work in progress; dispatch the command through a Bus with TransactionMiddleware"
    )
