"""The bus: registration, dispatch, middleware order, and its error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from avion_cqrs import (
    Bus,
    Command,
    DuplicateHandlerError,
    HandlerNotFoundError,
    Message,
    Next,
    Query,
)

# The module's import name depends on pytest's import mode; handlers are named by it.
MODULE = __name__


@dataclass(frozen=True)
class Register(Command[int]):
    handle: str


@dataclass(frozen=True)
class CountUsers(Query[int]):
    pass


@dataclass(frozen=True)
class Unhandled(Command[None]):
    pass


async def register(command: Register) -> int:
    return len(command.handle)


async def count_users(query: CountUsers) -> int:
    return 3


def test_kinds_name_commands_and_queries() -> None:
    assert (Register("a").kind, CountUsers().kind, Message().kind) == (
        "command",
        "query",
        "message",
    )


@pytest.mark.anyio
async def test_dispatch_reaches_the_handler_and_returns_its_result() -> None:
    bus = Bus()
    bus.register(Register, register)

    @bus.handler(CountUsers)
    async def count(query: CountUsers) -> int:
        return 5

    assert await bus.dispatch(Register("alice")) == 5
    assert await bus.dispatch(CountUsers()) == 5
    assert bus.registered == (Register, CountUsers)


@pytest.mark.anyio
async def test_a_missing_handler_is_named_with_what_is_registered() -> None:
    bus = Bus()
    bus.register(Register, register)
    bus.register(CountUsers, count_users)
    with pytest.raises(HandlerNotFoundError) as info:
        await bus.dispatch(Unhandled())
    assert str(info.value) == (
        "no handler registered for command Unhandled; "
        "registered: command Register, query CountUsers"
    )
    assert info.value.message_type is Unhandled


@pytest.mark.anyio
async def test_an_empty_bus_says_so() -> None:
    with pytest.raises(HandlerNotFoundError, match="registered: none"):
        await Bus().dispatch(CountUsers())


def test_a_second_handler_is_refused_naming_both() -> None:
    bus = Bus()
    bus.register(Register, register)

    async def other(command: Register) -> int:
        return 0

    with pytest.raises(DuplicateHandlerError) as info:
        bus.register(Register, other)
    assert str(info.value) == (
        f"command Register already has a handler ({MODULE}.register); cannot also register "
        f"{MODULE}.test_a_second_handler_is_refused_naming_both.<locals>.other"
    )


def test_only_message_classes_can_be_registered() -> None:
    with pytest.raises(TypeError, match="is not a Command or Query class"):
        Bus().register(str, register)  # type: ignore[type-var, arg-type]


@pytest.mark.anyio
async def test_middleware_runs_in_order_around_the_handler_and_may_short_circuit() -> None:
    calls: list[str] = []

    def tracer(name: str) -> Any:
        async def middleware(message: Message[Any], call_next: Next) -> Any:
            calls.append(f"{name}>")
            result = await call_next(message)
            calls.append(f"<{name}")
            return result

        return middleware

    async def cache(message: Message[Any], call_next: Next) -> Any:
        if isinstance(message, CountUsers):
            return 42
        return await call_next(message)

    async def handler(command: Register) -> int:
        calls.append("handler")
        return 1

    bus = Bus([tracer("outer"), tracer("inner"), cache])
    bus.register(Register, handler)
    bus.register(CountUsers, count_users)
    assert await bus.dispatch(Register("x")) == 1
    assert calls == ["outer>", "inner>", "handler", "<inner", "<outer"]
    assert await bus.dispatch(CountUsers()) == 42


@pytest.mark.anyio
async def test_class_based_handlers_are_named_in_errors() -> None:
    class RegisterHandler:
        async def __call__(self, command: Register) -> int:
            return 7

    bus = Bus()
    bus.register(Register, RegisterHandler())
    with pytest.raises(DuplicateHandlerError, match=re.escape(f"({MODULE}.test_class_based")):
        bus.register(Register, RegisterHandler())
    assert await bus.dispatch(Register("x")) == 7
