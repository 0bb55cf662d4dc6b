"""Entities, aggregates, value objects and events."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from avion_ddd import AggregateRoot, DomainEvent, Entity, ValueObject


class Handle(ValueObject):
    value: str

    def __post_init__(self) -> None:
        if not self.value.isalnum():
            raise ValueError(f"handle {self.value!r} must be alphanumeric")


class Money(ValueObject):
    amount: int
    currency: str = "EUR"


@dataclasses.dataclass(frozen=True, kw_only=True)
class HandleChanged(DomainEvent):
    user_id: int
    handle: str


class User(AggregateRoot[int]):
    def __init__(self, id: int, handle: Handle) -> None:
        super().__init__(id)
        self.handle = handle

    def change_handle(self, handle: Handle) -> None:
        self.handle = handle
        self.record(HandleChanged(user_id=self.id, handle=handle.value))


class Device(Entity[str]):
    pass


def test_value_objects_compare_and_hash_by_value() -> None:
    assert Money(5) == Money(5, "EUR")
    assert Money(5) != Money(5, "USD")
    assert len({Money(5), Money(5), Money(6)}) == 2
    assert repr(Money(5)) == "Money(amount=5, currency='EUR')"


def test_value_objects_are_immutable_and_replace_makes_validated_copies() -> None:
    handle = Handle("alice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        handle.value = "bob"  # type: ignore[misc]
    assert handle.replace(value="bob") == Handle("bob")
    with pytest.raises(ValueError, match="must be alphanumeric"):
        handle.replace(value="no spaces")


def test_invalid_value_objects_are_never_built() -> None:
    with pytest.raises(ValueError, match="'a b' must be alphanumeric"):
        Handle("a b")


def test_entities_are_equal_by_type_and_id_only() -> None:
    first, second = User(1, Handle("a")), User(1, Handle("b"))
    assert first == second
    assert hash(first) == hash(second)
    assert first != User(2, Handle("a"))
    assert Device("1") != Entity("1")
    assert first != 1
    assert repr(Device("d1")) == "Device(id='d1')"


def test_aggregates_record_events_until_pulled() -> None:
    user = User(7, Handle("a"))
    user.change_handle(Handle("b"))
    user.change_handle(Handle("c"))
    assert [e.handle for e in user.pending_events] == ["b", "c"]  # type: ignore[attr-defined]
    events = user.pull_events()
    assert [e.event_type for e in events] == ["HandleChanged", "HandleChanged"]
    assert user.pending_events == ()
    assert user.pull_events() == []
    assert user.version == 0


def test_events_get_an_id_and_a_utc_timestamp() -> None:
    before = datetime.now(UTC)
    first, second = HandleChanged(user_id=1, handle="a"), HandleChanged(user_id=1, handle="a")
    assert isinstance(first.event_id, uuid.UUID)
    assert first.event_id != second.event_id
    assert before <= first.occurred_at <= datetime.now(UTC)
    assert first.occurred_at.tzinfo is UTC
