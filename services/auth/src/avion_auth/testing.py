"""In-memory adapters for the auth application, for tests: the use cases without servers.

The real adapters (PostgreSQL, Redis) are tested against real servers by the workspace's
integration tests (tests/integration/services/test_auth_*.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import argon2
from avion_cqrs import Bus
from avion_ddd import InMemoryRepository, InMemoryUnitOfWork
from avion_errors import ALREADY_EXISTS, DomainError

from avion_auth.application import AuthHandlers, Session, UserView, build_bus
from avion_auth.domain import User
from avion_auth.infrastructure import Argon2Hasher

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class MemoryUsers(InMemoryRepository[User, uuid.UUID]):
    """Users in a dict, with the table's unique rules on email and username."""

    async def get_by_email(self, email: str) -> User | None:
        for user in self.snapshot().values():
            if user.email.lower() == email.lower():
                return await self.get(user.id)
        return None

    async def add(self, aggregate: User) -> None:
        for other in self.snapshot().values():
            if other.id == aggregate.id:
                continue
            for field in ("email", "username"):
                if getattr(other, field).lower() == getattr(aggregate, field).lower():
                    raise DomainError(
                        ALREADY_EXISTS, f"an account with this {field} exists already"
                    )
        await super().add(aggregate)


class MemoryUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, users: MemoryUsers) -> None:
        super().__init__(users)
        self.users = users


class MemorySessions:
    def __init__(self) -> None:
        self.opened: list[tuple[uuid.UUID, timedelta]] = []

    async def open(self, user_id: uuid.UUID, ttl: timedelta, now: datetime) -> Session:
        self.opened.append((user_id, ttl))
        return Session(token=f"token-{len(self.opened)}", expires_at=now + ttl)


class MemoryReader:
    def __init__(self, users: MemoryUsers) -> None:
        self._users = users

    async def user(self, id: uuid.UUID) -> UserView | None:
        user = self._users.snapshot().get(id)
        if user is None:
            return None
        return UserView(user.id, user.email, user.username, user.created_at)


class App:
    """The auth bus over in-memory adapters, and those adapters for the test to look at."""

    def __init__(self) -> None:
        # argon2id at its cheapest: the tests check behaviour, not hashing cost.
        self.hasher = Argon2Hasher(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.users = MemoryUsers()
        self.sessions = MemorySessions()
        handlers = AuthHandlers(
            hasher=self.hasher,
            sessions=self.sessions,
            reader=MemoryReader(self.users),
            unknown_user_hash=self.hasher.hash("stand-in"),
            session_ttl=timedelta(hours=2),
            clock=lambda: NOW,
        )
        self.bus: Bus = build_bus(handlers, lambda: MemoryUnitOfWork(self.users))
