"""Login sessions in Redis, under the service's ``session:`` namespace, ending by TTL."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta

from redis.asyncio import Redis

from avion_auth.application import Session

NAMESPACE = "session:"
TOKEN_BYTES = 32


def session_key(token: str) -> str:
    """The Redis key of a session: a hash of its token, so the keyspace holds no token."""
    return NAMESPACE + hashlib.sha256(token.encode()).hexdigest()


class RedisSessions:
    """A :class:`~avion_auth.application.SessionStore` writing ``session:<sha256>`` with a TTL."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def open(self, user_id: uuid.UUID, ttl: timedelta, now: datetime) -> Session:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        value = json.dumps({"user_id": str(user_id), "created_at": now.isoformat()})
        await self._redis.set(session_key(token), value, ex=ttl, nx=True)
        return Session(token=token, expires_at=now + ttl)
