"""Optimistic concurrency: versions move on each save, and the second of two writers loses."""

from __future__ import annotations

import pytest
from avion_ddd import AggregateRoot, InMemoryRepository, check_version
from avion_errors import CONFLICT, DomainError


class Counter(AggregateRoot[str]):
    def __init__(self, id: str, value: int = 0) -> None:
        super().__init__(id)
        self.value = value


@pytest.mark.anyio
async def test_each_save_increments_the_version() -> None:
    counters: InMemoryRepository[Counter, str] = InMemoryRepository()
    counter = Counter("c1")
    assert counter.version == 0
    await counters.add(counter)
    assert counter.version == 1
    loaded = await counters.get("c1")
    assert loaded is not None
    assert loaded.version == 1
    loaded.value = 5
    await counters.add(loaded)
    await counters.add(loaded)  # the same writer saving twice holds the newest version
    reloaded = await counters.get("c1")
    assert reloaded is not None
    assert (reloaded.version, reloaded.value) == (3, 5)


@pytest.mark.anyio
async def test_the_second_of_two_concurrent_writers_gets_a_conflict() -> None:
    counters: InMemoryRepository[Counter, str] = InMemoryRepository()
    await counters.add(Counter("c1"))
    first, second = await counters.get("c1"), await counters.get("c1")
    assert first is not None
    assert second is not None
    first.value, second.value = 1, 2
    await counters.add(first)
    with pytest.raises(DomainError) as info:
        await counters.add(second)
    error = info.value
    assert error.code is CONFLICT
    assert error.message == "Counter c1 was changed by someone else; reload it and try again"
    assert error.details == {
        "aggregate": "Counter",
        "id": "c1",
        "expected_version": 1,
        "stored_version": 2,
    }
    stored = await counters.get("c1")
    assert stored is not None
    assert (stored.value, stored.version) == (1, 2)  # the loser changed nothing
    assert second.version == 1
    with pytest.raises(DomainError, match="CONFLICT"):
        await counters.remove(second)
    assert len(counters) == 1


@pytest.mark.anyio
async def test_a_new_aggregate_may_not_overwrite_a_stored_one() -> None:
    counters: InMemoryRepository[Counter, str] = InMemoryRepository()
    await counters.add(Counter("c1", 7))
    with pytest.raises(DomainError) as info:
        await counters.add(Counter("c1"))
    assert info.value.details["expected_version"] == 0
    assert info.value.details["stored_version"] == 1


def test_check_version_accepts_exactly_the_version_read() -> None:
    counter = Counter("c1")
    check_version(counter, None)
    for stored in (0, 1):
        with pytest.raises(DomainError):
            check_version(counter, stored)
    counter.version = 3
    check_version(counter, 3)
    for stale in (None, 2, 4):
        with pytest.raises(DomainError):
            check_version(counter, stale)
