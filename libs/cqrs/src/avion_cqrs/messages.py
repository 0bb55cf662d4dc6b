"""Commands and queries: the messages a bus carries, typed by what their handler returns."""

from __future__ import annotations

from typing import Generic, TypeVar

R_co = TypeVar("R_co", covariant=True)


class Message(Generic[R_co]):
    """Base of commands and queries. ``R_co`` is the handler's result type."""

    kind = "message"


class Command(Message[R_co]):
    """A request to change state, e.g. ``@dataclass(frozen=True) class Follow(Command[None])``."""

    kind = "command"


class Query(Message[R_co]):
    """A request to read state, e.g. ``@dataclass(frozen=True) class GetUser(Query[UserView])``."""

    kind = "query"
