"""The repository protocol, and an in-memory implementation for tests and prototypes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

from avion_ddd.concurrency import check_version
from avion_ddd.model import AggregateRoot

AggT = TypeVar("AggT", bound=AggregateRoot[Any])
IdT = TypeVar("IdT")
IdT_contra = TypeVar("IdT_contra", contravariant=True)


class Repository(Protocol[AggT, IdT_contra]):
    """Loads and stores whole aggregates by id."""

    async def get(self, id: IdT_contra) -> AggT | None:
        """The aggregate with ``id``, or ``None``."""
        ...

    async def add(self, aggregate: AggT) -> None:
        """Store a new or changed aggregate and increment its ``version``.

        Raises a ``CONFLICT`` DomainError when storage no longer holds the version the aggregate
        was read at (or, for a new one, already holds something under its id).
        """
        ...

    async def remove(self, aggregate: AggT) -> None:
        """Delete the aggregate; a stale ``version`` is a ``CONFLICT`` as for :meth:`add`."""
        ...


class TracksAggregates(Protocol):
    """What a unit of work needs from a repository to collect domain events."""

    @property
    def seen(self) -> Iterator[AggregateRoot[Any]]:
        """Every aggregate this repository loaded or stored since the last :meth:`forget`."""
        ...

    def forget(self) -> None: ...


class InMemoryRepository(Generic[AggT, IdT]):
    """A dict-backed :class:`Repository` that tracks the aggregates it hands out.

    It keeps deep copies, so a change to a loaded aggregate is not visible until it is added back,
    as with a real database.
    """

    def __init__(self) -> None:
        self._items: dict[IdT, AggT] = {}
        self._seen: dict[int, AggregateRoot[Any]] = {}

    async def get(self, id: IdT) -> AggT | None:
        stored = self._items.get(id)
        if stored is None:
            return None
        loaded = copy.deepcopy(stored)
        self._seen[id_of(loaded)] = loaded
        return loaded

    async def add(self, aggregate: AggT) -> None:
        check_version(aggregate, self._stored_version(aggregate.id))
        aggregate.version += 1
        stored = copy.deepcopy(aggregate)
        stored.pull_events()  # events belong to this change, not to the stored state
        self._items[aggregate.id] = stored
        self._seen[id_of(aggregate)] = aggregate

    async def remove(self, aggregate: AggT) -> None:
        if aggregate.id in self._items:
            check_version(aggregate, self._stored_version(aggregate.id))
        self._items.pop(aggregate.id, None)
        self._seen[id_of(aggregate)] = aggregate

    def _stored_version(self, id: IdT) -> int | None:
        stored = self._items.get(id)
        return None if stored is None else stored.version

    def __len__(self) -> int:
        return len(self._items)

    @property
    def seen(self) -> Iterator[AggregateRoot[Any]]:
        return iter(list(self._seen.values()))

    def forget(self) -> None:
        self._seen.clear()

    def snapshot(self) -> dict[IdT, AggT]:
        return copy.deepcopy(self._items)

    def restore(self, items: dict[IdT, AggT]) -> None:
        self._items = items


def id_of(obj: object) -> int:
    # Identity, not equality: two loads of one aggregate are equal but hold different events.
    return id(obj)
