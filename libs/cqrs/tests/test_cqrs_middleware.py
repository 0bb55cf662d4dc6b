"""The standard middleware with real units of work and real log capture."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest
import structlog
from avion_cqrs import (
    Bus,
    Command,
    LoggingMiddleware,
    Query,
    TransactionMiddleware,
    ValidationMiddleware,
    current_unit_of_work,
)
from avion_ddd import AggregateRoot, DomainEvent, InMemoryRepository, InMemoryUnitOfWork
from avion_errors import NOT_FOUND, VALIDATION_FAILED, DomainError


@dataclass(frozen=True, kw_only=True)
class NoteWritten(DomainEvent):
    text: str


class Note(AggregateRoot[str]):
    def __init__(self, id: str, text: str) -> None:
        super().__init__(id)
        self.text = text
        self.record(NoteWritten(text=text))


@dataclass(frozen=True)
class WriteNote(Command[str]):
    id: str
    text: str

    def validate(self) -> Iterable[str]:
        if not self.id:
            yield "id must not be empty"
        if len(self.text) > 10:
            yield "text must be at most 10 characters"


@dataclass(frozen=True)
class WriteTwo(Command[None]):
    first: str
    second: str


@dataclass(frozen=True)
class ReadNote(Query[str]):
    id: str


class Service:
    """A tiny application: a repository, a publisher and a bus wired like a real service."""

    def __init__(self) -> None:
        self.notes: InMemoryRepository[Note, str] = InMemoryRepository()
        self.published: list[DomainEvent] = []
        self.units: list[InMemoryUnitOfWork] = []
        self.bus = Bus(
            [
                LoggingMiddleware(),
                ValidationMiddleware(),
                TransactionMiddleware(self.new_unit_of_work),
            ]
        )
        self.bus.register(WriteNote, self.write)
        self.bus.register(WriteTwo, self.write_two)
        self.bus.register(ReadNote, self.read)

    def new_unit_of_work(self) -> InMemoryUnitOfWork:
        uow = InMemoryUnitOfWork(self.notes, publisher=self.publish)
        self.units.append(uow)
        return uow

    async def publish(self, event: DomainEvent) -> None:
        self.published.append(event)

    async def write(self, command: WriteNote) -> str:
        assert isinstance(current_unit_of_work(), InMemoryUnitOfWork)
        if command.text == "crash":
            raise RuntimeError("storage exploded")
        await self.notes.add(Note(command.id, command.text))
        return command.id

    async def write_two(self, command: WriteTwo) -> None:
        await self.bus.dispatch(WriteNote(command.first, "one"))
        await self.bus.dispatch(WriteNote(command.second, "two"))

    async def read(self, query: ReadNote) -> str:
        with pytest.raises(LookupError, match="no unit of work in progress"):
            current_unit_of_work()
        note = await self.notes.get(query.id)
        if note is None:
            raise DomainError(NOT_FOUND, f"note {query.id} not found")
        return note.text


@pytest.mark.anyio
async def test_a_command_commits_its_unit_of_work_and_publishes_events() -> None:
    service = Service()
    assert await service.bus.dispatch(WriteNote("n1", "hello")) == "n1"
    assert [uow.commits for uow in service.units] == [1]
    assert [e.text for e in service.published] == ["hello"]  # type: ignore[attr-defined]
    assert await service.bus.dispatch(ReadNote("n1")) == "hello"
    assert len(service.units) == 1  # queries run without a unit of work


@pytest.mark.anyio
async def test_a_failing_handler_rolls_back_and_publishes_nothing() -> None:
    service = Service()
    with pytest.raises(RuntimeError, match="storage exploded"):
        await service.bus.dispatch(WriteNote("n1", "crash"))
    assert service.units[0].commits == 0
    assert service.published == []
    with pytest.raises(LookupError):
        current_unit_of_work()


@pytest.mark.anyio
async def test_nested_commands_join_the_outer_unit_of_work() -> None:
    service = Service()
    await service.bus.dispatch(WriteTwo("a", "b"))
    assert len(service.units) == 1
    assert service.units[0].commits == 1
    assert [e.text for e in service.published] == ["one", "two"]  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_invalid_commands_are_rejected_with_every_problem() -> None:
    service = Service()
    with pytest.raises(DomainError) as info:
        await service.bus.dispatch(WriteNote("", "far too long"))
    error = info.value
    assert error.code is VALIDATION_FAILED
    assert error.message == (
        "WriteNote is invalid: id must not be empty; text must be at most 10 characters"
    )
    assert error.details == {
        "message": "WriteNote",
        "problems": ["id must not be empty", "text must be at most 10 characters"],
    }
    assert service.units == []  # rejected before any transaction began


@pytest.mark.anyio
async def test_every_dispatch_is_logged_with_its_outcome() -> None:
    service = Service()
    with structlog.testing.capture_logs() as logs:
        await service.bus.dispatch(WriteNote("n1", "hi"))
        with pytest.raises(DomainError):
            await service.bus.dispatch(ReadNote("missing"))
        with pytest.raises(RuntimeError):
            await service.bus.dispatch(WriteNote("n2", "crash"))
    summary = [(e["message"], e["kind"], e["outcome"], e["log_level"]) for e in logs]
    assert summary == [
        ("WriteNote", "command", "ok", "info"),
        ("ReadNote", "query", "NOT_FOUND", "warning"),
        ("WriteNote", "command", "error", "error"),
    ]
    assert all(e["event"] == "cqrs.dispatch" and e["duration_ms"] >= 0 for e in logs)
    assert isinstance(logs[2]["exc_info"], RuntimeError)
