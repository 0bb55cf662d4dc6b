"""The auth use cases as messages: what the API asks of the application, and what it gets."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from avion_cqrs import Command, Query


@dataclasses.dataclass(frozen=True)
class Session:
    """An open login session: a bearer token (secret, so not in reprs) and when it ends."""

    token: str = dataclasses.field(repr=False)
    expires_at: datetime


@dataclasses.dataclass(frozen=True)
class UserView:
    """An account as callers see it: no hash, no version."""

    user_id: uuid.UUID
    email: str
    username: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class SignUp(Command[uuid.UUID]):
    """Create an account; the result is its id."""

    email: str
    username: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Authenticate(Command[Session]):
    """Check an email and password and open a session."""

    email: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class GetUser(Query[UserView]):
    """Read an account; ``user_id`` is the caller's text, checked by the handler."""

    user_id: str
