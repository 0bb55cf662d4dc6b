"""What the use cases need from the outside world, as protocols the infrastructure implements."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from avion_auth.application.messages import Session, UserView
from avion_auth.domain import User


class Users(Protocol):
    """The User repository of one unit of work (avion_ddd's Repository, plus a lookup)."""

    async def get(self, id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def add(self, aggregate: User) -> None: ...


class HasUsers(Protocol):
    """A unit of work that reaches users."""

    @property
    def users(self) -> Users: ...


class UserReader(Protocol):
    """Reads accounts outside any unit of work (queries)."""

    async def user(self, id: uuid.UUID) -> UserView | None: ...


class SessionStore(Protocol):
    """Opens sessions that end by themselves."""

    async def open(self, user_id: uuid.UUID, ttl: timedelta, now: datetime) -> Session: ...
