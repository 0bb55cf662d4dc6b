"""Domain-driven design building blocks: entities, aggregates, value objects, repositories, UoW."""

from avion_ddd.concurrency import check_version, stale_version
from avion_ddd.model import AggregateRoot, DomainEvent, Entity, ValueObject
from avion_ddd.repository import InMemoryRepository, Repository, TracksAggregates
from avion_ddd.unit_of_work import (
    EventPublisher,
    InMemoryUnitOfWork,
    UnitOfWork,
    UnitOfWorkError,
)

__all__ = [
    "AggregateRoot",
    "DomainEvent",
    "Entity",
    "EventPublisher",
    "InMemoryRepository",
    "InMemoryUnitOfWork",
    "Repository",
    "TracksAggregates",
    "UnitOfWork",
    "UnitOfWorkError",
    "ValueObject",
    "check_version",
    "stale_version",
]
