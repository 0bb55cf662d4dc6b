"""Unit of work: one atomic change across repositories, then its domain events published."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Self

from avion_ddd.model import AggregateRoot, DomainEvent
from avion_ddd.repository import InMemoryRepository, TracksAggregates

EventPublisher = Callable[[DomainEvent], Awaitable[None]]
"""Receives each committed event (an outbox writer, a message bus, an in-process dispatcher)."""


class UnitOfWorkError(RuntimeError):
    """The unit of work was used out of order (e.g. committed outside ``async with``)."""


class UnitOfWork(ABC):
    """Use as ``async with uow: ...; await uow.commit()``; leaving without commit rolls back.

    Subclasses provide :meth:`_begin`, :meth:`_commit` and :meth:`_rollback` for their storage,
    and :meth:`_repositories` so that events recorded on loaded aggregates are collected.
    Events are published only after a successful commit: each aggregate's in the order recorded,
    aggregates from repositories first, then those passed to :meth:`track`.
    """

    def __init__(self, publisher: EventPublisher | None = None) -> None:
        self._publisher = publisher
        self._active = False
        self._tracked: dict[int, AggregateRoot[Any]] = {}

    async def __aenter__(self) -> Self:
        if self._active:
            raise UnitOfWorkError("this unit of work is already in progress")
        await self._begin()
        self._active = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._active:
            await self.rollback()

    def track(self, aggregate: AggregateRoot[Any]) -> None:
        """Collect ``aggregate``'s events at commit even if no repository saw it."""
        self._tracked[id(aggregate)] = aggregate

    async def commit(self) -> list[DomainEvent]:
        """Make the changes durable, then publish and return the collected events."""
        self._require_active("commit")
        aggregates = self._aggregates()
        await self._commit()
        self._active = False
        events = [event for aggregate in aggregates for event in aggregate.pull_events()]
        self._reset()
        if self._publisher is not None:
            for event in events:
                await self._publisher(event)
        return events

    async def rollback(self) -> None:
        """Discard the changes and the events recorded during this unit of work."""
        self._require_active("roll back")
        for aggregate in self._aggregates():
            aggregate.pull_events()
        await self._rollback()
        self._active = False
        self._reset()

    def _aggregates(self) -> list[AggregateRoot[Any]]:
        found: dict[int, AggregateRoot[Any]] = {}
        for repository in self._repositories():
            found.update((id(aggregate), aggregate) for aggregate in repository.seen)
        found.update(self._tracked)
        return list(found.values())

    def _reset(self) -> None:
        self._tracked.clear()
        for repository in self._repositories():
            repository.forget()

    def _require_active(self, action: str) -> None:
        if not self._active:
            raise UnitOfWorkError(f"cannot {action}: the unit of work is not in progress")

    def _repositories(self) -> Iterable[TracksAggregates]:
        return ()

    @abstractmethod
    async def _begin(self) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def _rollback(self) -> None: ...


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work over :class:`InMemoryRepository` instances: rollback restores snapshots."""

    def __init__(
        self, *repositories: InMemoryRepository[Any, Any], publisher: EventPublisher | None = None
    ) -> None:
        super().__init__(publisher)
        self.repositories = repositories
        self._snapshots: list[dict[Any, Any]] = []
        self.commits = 0

    def _repositories(self) -> Iterable[TracksAggregates]:
        return self.repositories

    async def _begin(self) -> None:
        self._snapshots = [repository.snapshot() for repository in self.repositories]

    async def _commit(self) -> None:
        self.commits += 1

    async def _rollback(self) -> None:
        for repository, snapshot in zip(self.repositories, self._snapshots, strict=True):
            repository.restore(snapshot)
