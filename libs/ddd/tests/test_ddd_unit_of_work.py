"""Repositories and the unit of work, in memory: commit publishes, rollback restores."""

from __future__ import annotations

import dataclasses

import pytest
from avion_ddd import (
    AggregateRoot,
    DomainEvent,
    InMemoryRepository,
    InMemoryUnitOfWork,
    Repository,
    UnitOfWork,
    UnitOfWorkError,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Renamed(DomainEvent):
    name_now: str


class Team(AggregateRoot[str]):
    def __init__(self, id: str, title: str) -> None:
        super().__init__(id)
        self.title = title

    def rename(self, title: str) -> None:
        self.title = title
        self.record(Renamed(name_now=title))


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def __call__(self, event: DomainEvent) -> None:
        self.events.append(event)


async def use_repository(repository: Repository[Team, str]) -> Team | None:
    """Type-level check too: InMemoryRepository satisfies the Repository protocol."""
    return await repository.get("t1")


@pytest.mark.anyio
async def test_repository_keeps_copies_like_a_database() -> None:
    teams: InMemoryRepository[Team, str] = InMemoryRepository()
    team = Team("t1", "core")
    await teams.add(team)
    team.title = "changed but not saved"
    loaded = await use_repository(teams)
    assert loaded is not None
    assert loaded.title == "core"
    assert await teams.get("missing") is None
    await teams.remove(loaded)
    assert len(teams) == 0


@pytest.mark.anyio
async def test_commit_publishes_the_events_of_every_aggregate_touched() -> None:
    teams: InMemoryRepository[Team, str] = InMemoryRepository()
    await teams.add(Team("t1", "core"))
    teams.forget()
    published = Recorder()
    uow = InMemoryUnitOfWork(teams, publisher=published)
    async with uow:
        team = await teams.get("t1")
        assert team is not None
        team.rename("platform")
        await teams.add(team)
        extra = Team("t9", "untracked")
        extra.rename("tracked")
        uow.track(extra)
        events = await uow.commit()
    assert [e.name_now for e in events] == ["platform", "tracked"]  # type: ignore[attr-defined]
    assert published.events == events
    assert uow.commits == 1
    stored = await teams.get("t1")
    assert stored is not None
    assert stored.title == "platform"
    assert stored.pending_events == ()


@pytest.mark.anyio
async def test_leaving_without_commit_rolls_back_changes_and_events() -> None:
    teams: InMemoryRepository[Team, str] = InMemoryRepository()
    published = Recorder()
    uow = InMemoryUnitOfWork(teams, publisher=published)
    team = Team("t1", "core")
    team.rename("renamed")
    async with uow:
        await teams.add(team)
    assert len(teams) == 0
    assert team.pending_events == ()
    assert published.events == []


@pytest.mark.anyio
async def test_an_exception_rolls_back() -> None:
    teams: InMemoryRepository[Team, str] = InMemoryRepository()
    uow = InMemoryUnitOfWork(teams)

    async def failing_handler() -> None:
        async with uow:
            await teams.add(Team("t1", "core"))
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await failing_handler()
    assert len(teams) == 0
    assert uow.commits == 0


@pytest.mark.anyio
async def test_misuse_is_reported() -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(UnitOfWorkError, match="cannot commit: the unit of work is not in progress"):
        await uow.commit()
    with pytest.raises(UnitOfWorkError, match="cannot roll back"):
        await uow.rollback()
    async with uow:
        with pytest.raises(UnitOfWorkError, match="already in progress"):
            await uow.__aenter__()
        await uow.commit()
    async with uow:  # reusable after a commit
        await uow.commit()
    assert uow.commits == 2


class FailingCommit(UnitOfWork):
    """A storage whose commit fails: nothing may be published, and the UoW must roll back."""

    def __init__(self, publisher: Recorder) -> None:
        super().__init__(publisher)
        self.rolled_back = False

    async def _begin(self) -> None:
        pass

    async def _commit(self) -> None:
        raise ConnectionError("database went away")

    async def _rollback(self) -> None:
        self.rolled_back = True


@pytest.mark.anyio
async def test_a_failed_commit_publishes_nothing_and_rolls_back() -> None:
    published = Recorder()
    uow = FailingCommit(published)
    team = Team("t1", "core")
    team.rename("x")

    async def handler() -> None:
        async with uow:
            uow.track(team)
            await uow.commit()

    with pytest.raises(ConnectionError, match="database went away"):
        await handler()
    assert uow.rolled_back
    assert published.events == []
    assert team.pending_events == ()
