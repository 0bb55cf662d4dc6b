"""The message bus: one handler per message type, reached through a chain of middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from avion_cqrs.messages import Message, MessageType

M = TypeVar("M", bound=Message[Any])
R = TypeVar("R")

Handler = Callable[[M], Awaitable[R]]
"""Handles message ``M`` and returns its result ``R``: ``async def h(m: SignUp) -> UserId``."""
Next = Callable[[Message[Any]], Awaitable[Any]]
"""Calls the rest of the chain (the next middleware, finally the handler)."""
Middleware = Callable[[Message[Any], Next], Awaitable[Any]]
"""Wraps dispatch: ``async def mw(message, call_next): ...; return await call_next(message)``."""


class HandlerNotFoundError(LookupError):
    """No handler is registered for a dispatched message's type."""

    def __init__(self, message_type: type[Message[Any]], registered: Sequence[type[Any]]) -> None:
        known = ", ".join(sorted(_describe(t) for t in registered)) or "none"
        super().__init__(
            f"no handler registered for {_describe(message_type)}; registered: {known}"
        )
        self.message_type = message_type


class DuplicateHandlerError(ValueError):
    """A second handler was registered for a message type that has one."""

    def __init__(
        self,
        message_type: type[Message[Any]],
        existing: Handler[Any, Any],
        new: Handler[Any, Any],
    ) -> None:
        super().__init__(
            f"{_describe(message_type)} already has a handler ({_name(existing)}); "
            f"cannot also register {_name(new)}"
        )
        self.message_type = message_type


class Bus:
    """Dispatches commands and queries to their handlers through ``middleware``.

    The first middleware is the outermost. Handlers are found by the message's exact type.
    """

    def __init__(self, middleware: Sequence[Middleware] = ()) -> None:
        self._middleware = tuple(middleware)
        self._handlers: dict[type[Message[Any]], Handler[Any, Any]] = {}

    def register(self, message_type: MessageType[M, R], handler: Handler[M, R]) -> None:
        """Make ``handler`` the one handler of ``message_type``.

        Type checkers hold the handler to the message: it must accept ``message_type`` and return
        what the message declares (a handler returning ``str`` for a ``Command[bool]`` fails).
        """
        if not (isinstance(message_type, type) and issubclass(message_type, Message)):
            raise TypeError(f"{message_type!r} is not a Command or Query class")
        existing = self._handlers.get(message_type)
        if existing is not None:
            raise DuplicateHandlerError(message_type, existing, handler)
        self._handlers[message_type] = handler

    def handler(self, message_type: MessageType[M, R]) -> Callable[[Handler[M, R]], Handler[M, R]]:
        """Decorator form of :meth:`register`."""

        def decorate(handler: Handler[M, R]) -> Handler[M, R]:
            self.register(message_type, handler)
            return handler

        return decorate

    @property
    def registered(self) -> tuple[type[Message[Any]], ...]:
        return tuple(self._handlers)

    async def dispatch(self, message: Message[R]) -> R:
        """Run ``message`` through the middleware to its handler and return the handler's result.

        Raises :class:`HandlerNotFoundError` before any middleware runs if there is no handler.
        """
        handler = self._handlers.get(type(message))
        if handler is None:
            raise HandlerNotFoundError(type(message), list(self._handlers))
        call: Next = handler
        for middleware in reversed(self._middleware):
            call = _bind(middleware, call)
        result: R = await call(message)
        return result


def _bind(middleware: Middleware, call_next: Next) -> Next:
    async def call(message: Message[Any]) -> Any:
        return await middleware(message, call_next)

    return call


def _describe(message_type: type[Any]) -> str:
    return f"{getattr(message_type, 'kind', 'message')} {message_type.__qualname__}"


def _name(handler: Callable[..., Any]) -> str:
    module = getattr(handler, "__module__", None)
    name = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    return f"{module}.{name}" if module else name
