"""Building blocks of a domain model: entities, aggregates, value objects and domain events."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar, dataclass_transform

IdT = TypeVar("IdT")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened in the domain. Subclass as a frozen dataclass with its facts.

    ``event_id`` and ``occurred_at`` are keyword-only, so subclasses may declare positional fields.
    """

    event_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    occurred_at: datetime = dataclasses.field(default_factory=_now)

    @property
    def event_type(self) -> str:
        """The event's class name, e.g. ``"UserRegistered"``."""
        return type(self).__name__


@dataclass_transform(frozen_default=True, eq_default=True)
class ValueObject:
    """Immutable, compared by value. Subclasses become frozen dataclasses automatically.

    Validate in ``__post_init__`` by raising; an invalid value object is never built.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, eq=True)(cls)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (and validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


class Entity(Generic[IdT]):
    """Something with an identity that lasts: two entities are equal when type and id are."""

    def __init__(self, id: IdT) -> None:
        self._id = id

    @property
    def id(self) -> IdT:
        return self._id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        return type(self) is type(other) and self._id == other._id

    def __hash__(self) -> int:
        return hash((type(self), self._id))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id!r})"


class AggregateRoot(Entity[IdT]):
    """The entity through which a consistency boundary is changed; it records domain events.

    ``version`` is the stored version this object was read at (0: never stored). A repository
    stores it only if storage still holds that version, then increments it (optimistic
    concurrency); otherwise it raises a ``CONFLICT`` :class:`~avion_errors.DomainError`.
    """

    def __init__(self, id: IdT, *, version: int = 0) -> None:
        super().__init__(id)
        self.version = version
        self._pending_events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        """Remember ``event`` until the unit of work publishes it."""
        self._pending_events.append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._pending_events)

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the recorded events, oldest first, and forget them."""
        events, self._pending_events = self._pending_events, []
        return events
