"""What a unit of work collects: every aggregate loaded, stored, removed or tracked, each once."""

from __future__ import annotations

import dataclasses

import pytest
from avion_ddd import (
    AggregateRoot,
    DomainEvent,
    Entity,
    InMemoryRepository,
    InMemoryUnitOfWork,
    UnitOfWorkError,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tagged(DomainEvent):
    board: str
    tag: str


class Board(AggregateRoot[str]):
    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.tags: list[str] = []

    def tag(self, tag: str) -> None:
        self.tags.append(tag)
        self.record(Tagged(board=self.id, tag=tag))


class Card(Entity[str]):
    pass


class Note(Entity[str]):
    pass


async def stored(*ids: str) -> InMemoryRepository[Board, str]:
    boards: InMemoryRepository[Board, str] = InMemoryRepository()
    for board_id in ids:
        await boards.add(Board(board_id))
    boards.forget()
    return boards


def test_entities_hash_by_type_and_id() -> None:
    assert hash(Card("a")) == hash(Card("a"))
    assert hash(Card("a")) != hash(Card("b"))
    assert hash(Card("a")) != hash(Note("a"))
    assert len({Card("a"), Card("a"), Note("a")}) == 2


@pytest.mark.anyio
async def test_a_loaded_aggregate_shares_no_state_with_storage() -> None:
    boards = await stored("b1")
    loaded = await boards.get("b1")
    assert loaded is not None
    loaded.tags.append("not saved")
    again = await boards.get("b1")
    assert again is not None
    assert again.tags == []
    loaded.tags.append("saved")
    await boards.add(loaded)
    loaded.tags.append("after saving")
    final = await boards.get("b1")
    assert final is not None
    assert final.tags == ["not saved", "saved"]


@pytest.mark.anyio
async def test_events_of_every_loaded_aggregate_are_published_even_unsaved() -> None:
    boards = await stored("b1", "b2")
    uow = InMemoryUnitOfWork(boards)
    async with uow:
        first, second = await boards.get("b1"), await boards.get("b2")
        assert first is not None
        assert second is not None
        first.tag("red")
        second.tag("blue")
        events = await uow.commit()
    assert sorted((e.board, e.tag) for e in events) == [("b1", "red"), ("b2", "blue")]  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_events_of_removed_and_tracked_aggregates_are_published() -> None:
    boards = await stored("b1")
    uow = InMemoryUnitOfWork(boards)
    async with uow:
        board = await boards.get("b1")
        assert board is not None
        board.tag("archived")
        await boards.remove(board)
        await boards.remove(Board("never-stored"))  # removing nothing is harmless
        extra, other = Board("x"), Board("y")
        extra.tag("one")
        other.tag("two")
        uow.track(extra)
        uow.track(other)
        events = await uow.commit()
    assert [e.tag for e in events] == ["archived", "one", "two"]  # type: ignore[attr-defined]
    assert len(boards) == 0


@pytest.mark.anyio
async def test_an_explicit_rollback_ends_the_unit_of_work() -> None:
    boards = await stored()
    uow = InMemoryUnitOfWork(boards)
    async with uow:
        await boards.add(Board("b1"))
        await uow.rollback()
        with pytest.raises(UnitOfWorkError, match="cannot commit"):
            await uow.commit()
    assert len(boards) == 0
    async with uow:  # usable again afterwards
        with pytest.raises(UnitOfWorkError) as info:
            await uow.__aenter__()
        assert str(info.value) == "this unit of work is already in progress"
