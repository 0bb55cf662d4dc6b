"""Commands and queries: the messages a bus carries, typed by what their handler returns."""

from __future__ import annotations

from typing import Any, Generic, Protocol, Self, TypeVar

R_co = TypeVar("R_co", covariant=True)
M = TypeVar("M")


class Message(Generic[R_co]):
    """Base of commands and queries. ``R_co`` is the handler's result type."""

    kind = "message"

    def handler_result(self: Self) -> R_co:
        """For type checkers only: what a handler of this message returns. Never called.

        Through it, :class:`MessageType` reads both the message class and its result type from
        the one class object passed to :meth:`Bus.register`.
        """
        raise NotImplementedError(f"{type(self).__qualname__}.handler_result is for typing only")


class MessageType(Protocol[M, R_co]):
    """A message class whose instances are ``M`` and whose handlers return ``R_co``.

    ``M`` is invariant on purpose (it is both made and consumed), so a handler written for another
    message cannot be registered; ``type[SignUp]`` matches ``MessageType[SignUp, UserId]``.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> M: ...

    def handler_result(self, message: M, /) -> R_co: ...


class Command(Message[R_co]):
    """A request to change state, e.g. ``@dataclass(frozen=True) class Follow(Command[None])``."""

    kind = "command"


class Query(Message[R_co]):
    """A request to read state, e.g. ``@dataclass(frozen=True) class GetUser(Query[UserView])``."""

    kind = "query"
