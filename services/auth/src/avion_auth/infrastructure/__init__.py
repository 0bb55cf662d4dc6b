"""Adapters of the auth application: PostgreSQL, Redis, argon2; and the wiring of them all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from avion_cqrs import Bus
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from avion_auth.application import DEFAULT_SESSION_TTL, AuthHandlers, build_bus
from avion_auth.domain import PasswordHasher
from avion_auth.infrastructure.passwords import Argon2Hasher
from avion_auth.infrastructure.postgres import (
    PostgresUnitOfWork,
    PostgresUserReader,
    PostgresUsers,
)
from avion_auth.infrastructure.sessions import NAMESPACE, RedisSessions, session_key

UNKNOWN_USER_PASSWORD = "not any user's password"  # noqa: S105 - hashed once as a stand-in


def build_application(
    pool: AsyncConnectionPool[Any],
    redis: Redis,
    *,
    hasher: PasswordHasher | None = None,
    session_ttl: timedelta = DEFAULT_SESSION_TTL,
) -> Bus:
    """The bus of the auth use cases over the service's database pool and Redis client."""
    hasher = hasher or Argon2Hasher()
    handlers = AuthHandlers(
        hasher=hasher,
        sessions=RedisSessions(redis),
        reader=PostgresUserReader(pool),
        unknown_user_hash=hasher.hash(UNKNOWN_USER_PASSWORD),
        session_ttl=session_ttl,
    )
    return build_bus(handlers, lambda: PostgresUnitOfWork(pool))


__all__ = [
    "NAMESPACE",
    "Argon2Hasher",
    "PostgresUnitOfWork",
    "PostgresUserReader",
    "PostgresUsers",
    "RedisSessions",
    "build_application",
    "session_key",
]
