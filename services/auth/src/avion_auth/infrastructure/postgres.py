"""Users in PostgreSQL (psycopg): a unit of work, its repository and a reader for queries.

Writes are optimistic: an UPDATE names the version it read (``WHERE version = %s``); when no row
matches, another writer won and the write is refused with avion_ddd's CONFLICT.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from avion_ddd import AggregateRoot, TracksAggregates, UnitOfWork, UnitOfWorkError, stale_version
from avion_errors import ALREADY_EXISTS, DomainError
from psycopg import AsyncConnection
from psycopg.errors import UniqueViolation
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

from avion_auth.application import UserView
from avion_auth.domain import User

Pool = AsyncConnectionPool[AsyncConnection[TupleRow]]

_SELECT = "SELECT id, email, username, password_hash, created_at, version FROM users "
# Unique indexes of the users table (migrations/00001) → the request field that collided.
_TAKEN = {"users_email_key": "email", "users_username_key": "username"}


class PostgresUsers:
    """The User repository inside one :class:`PostgresUnitOfWork` (its connection)."""

    def __init__(self, unit_of_work: PostgresUnitOfWork) -> None:
        self._unit_of_work = unit_of_work
        self._seen: dict[int, User] = {}

    async def get(self, id: uuid.UUID) -> User | None:
        return await self._one(_SELECT + "WHERE id = %s", (id,))

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(_SELECT + "WHERE lower(email) = lower(%s)", (email,))

    async def add(self, aggregate: User) -> None:
        """Insert a new user or update a loaded one at the version it was read."""
        connection = self._unit_of_work.connection
        if aggregate.version == 0:
            try:
                await connection.execute(
                    "INSERT INTO users (id, email, username, password_hash, created_at, version)"
                    " VALUES (%s, %s, %s, %s, %s, 1)",
                    (
                        aggregate.id,
                        aggregate.email,
                        aggregate.username,
                        aggregate.password_hash,
                        aggregate.created_at,
                    ),
                )
            except UniqueViolation as exc:
                raise _taken(exc, aggregate) from None
        else:
            try:
                cursor = await connection.execute(
                    "UPDATE users SET email = %s, username = %s, password_hash = %s,"
                    " version = version + 1 WHERE id = %s AND version = %s",
                    (
                        aggregate.email,
                        aggregate.username,
                        aggregate.password_hash,
                        aggregate.id,
                        aggregate.version,
                    ),
                )
            except UniqueViolation as exc:
                raise _taken(exc, aggregate) from None
            if cursor.rowcount == 0:
                row = await (
                    await connection.execute(
                        "SELECT version FROM users WHERE id = %s", (aggregate.id,)
                    )
                ).fetchone()
                raise stale_version(aggregate, None if row is None else int(row[0]))
        aggregate.version += 1
        self._seen[id(aggregate)] = aggregate

    @property
    def seen(self) -> Iterator[AggregateRoot[Any]]:
        return iter(list(self._seen.values()))

    def forget(self) -> None:
        self._seen.clear()

    async def _one(self, query: str, params: tuple[object, ...]) -> User | None:
        cursor = await self._unit_of_work.connection.execute(query, params)
        row = await cursor.fetchone()
        if row is None:
            return None
        user = _user(row)
        self._seen[id(user)] = user
        return user


class PostgresUnitOfWork(UnitOfWork):
    """One transaction on one pooled connection; ``users`` works inside it."""

    def __init__(self, pool: Pool) -> None:
        super().__init__()
        self._pool = pool
        self._connection: AsyncConnection[TupleRow] | None = None
        self.users = PostgresUsers(self)

    @property
    def connection(self) -> AsyncConnection[TupleRow]:
        if self._connection is None:
            raise UnitOfWorkError("no transaction: use the unit of work inside `async with`")
        return self._connection

    def _repositories(self) -> Iterable[TracksAggregates]:
        return (self.users,)

    async def _begin(self) -> None:
        self._connection = await self._pool.getconn()

    async def _commit(self) -> None:
        try:
            await self.connection.commit()
        finally:
            await self._release()

    async def _rollback(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.rollback()
            finally:
                await self._release()

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool.putconn(connection)


class PostgresUserReader:
    """Reads accounts for queries, each on a pooled connection of its own."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def user(self, id: uuid.UUID) -> UserView | None:
        async with self._pool.connection() as connection:
            cursor = await connection.execute(
                "SELECT id, email, username, created_at FROM users WHERE id = %s", (id,)
            )
            row = await cursor.fetchone()
        if row is None:
            return None
        return UserView(user_id=row[0], email=row[1], username=row[2], created_at=row[3])


def _user(row: TupleRow) -> User:
    return User(
        row[0],
        email=row[1],
        username=row[2],
        password_hash=row[3],
        created_at=row[4],
        version=int(row[5]),
    )


def _taken(exc: UniqueViolation, user: User) -> DomainError:
    field = _TAKEN.get(exc.diag.constraint_name or "")
    if field is None:  # the primary key: someone stored this very user first
        return stale_version(user, None)
    return DomainError(
        ALREADY_EXISTS,
        f"an account with this {field} exists already",
        details={"field": field},
    )
