"""The handlers of the auth use cases, and the bus that reaches them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

from avion_cqrs import Bus, LoggingMiddleware, TransactionMiddleware, current_unit_of_work
from avion_ddd import UnitOfWork
from avion_errors import NOT_FOUND, UNAUTHENTICATED, DomainError, invalid_fields

from avion_auth.application.messages import Authenticate, GetUser, Session, SignUp, UserView
from avion_auth.application.ports import HasUsers, SessionStore, UserReader
from avion_auth.domain import PasswordHasher, User

DEFAULT_SESSION_TTL = timedelta(hours=24)
WRONG_CREDENTIALS = "wrong email or password"
"""One message for an unknown email and a wrong password: callers cannot probe for accounts."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class AuthHandlers:
    """One method per use case; dispatched by the bus (see :func:`build_bus`)."""

    def __init__(
        self,
        *,
        hasher: PasswordHasher,
        sessions: SessionStore,
        reader: UserReader,
        unknown_user_hash: str,
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._hasher = hasher
        self._sessions = sessions
        self._reader = reader
        self._unknown_user_hash = unknown_user_hash
        self._session_ttl = session_ttl
        self._clock = clock

    async def sign_up(self, command: SignUp) -> uuid.UUID:
        # Hashing is deliberately slow (argon2): off the event loop.
        user = await asyncio.to_thread(
            User.sign_up,
            email=command.email,
            username=command.username,
            password=command.password,
            hasher=self._hasher,
            now=self._clock(),
        )
        await _users().users.add(user)  # a taken email or username: ALREADY_EXISTS
        return user.id

    async def authenticate(self, command: Authenticate) -> Session:
        user = await _users().users.get_by_email(command.email)
        # An unknown email is checked against a stand-in hash, so it costs what a wrong
        # password costs and timing does not tell which accounts exist.
        stored = user.password_hash if user is not None else self._unknown_user_hash
        matches = await asyncio.to_thread(self._hasher.verify, stored, command.password)
        if user is None or not matches:
            raise DomainError(UNAUTHENTICATED, WRONG_CREDENTIALS)
        return await self._sessions.open(user.id, self._session_ttl, self._clock())

    async def get_user(self, query: GetUser) -> UserView:
        try:
            user_id = uuid.UUID(query.user_id)
        except ValueError:
            raise invalid_fields({"user_id": "must be a UUID"}) from None
        view = await self._reader.user(user_id)
        if view is None:
            raise DomainError(
                NOT_FOUND, f"user {user_id} not found", details={"user_id": str(user_id)}
            )
        return view


def build_bus(handlers: AuthHandlers, unit_of_work: Callable[[], UnitOfWork]) -> Bus:
    """The bus: each message logged, each command in its own unit of work."""
    bus = Bus([LoggingMiddleware(), TransactionMiddleware(unit_of_work)])
    bus.register(SignUp, handlers.sign_up)
    bus.register(Authenticate, handlers.authenticate)
    bus.register(GetUser, handlers.get_user)
    return bus


def _users() -> HasUsers:
    return cast(HasUsers, current_unit_of_work())
