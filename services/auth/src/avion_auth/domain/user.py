"""The User aggregate and the rules a new account's details must follow."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime
from typing import Protocol

from avion_ddd import AggregateRoot, DomainEvent
from avion_errors import invalid_fields

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # bounds the work one request can ask of the hasher
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_USERNAME = re.compile(r"[A-Za-z0-9_]{3,30}")  # the users table's CHECK says the same


class PasswordHasher(Protocol):
    """Turns a password into a hash and checks one; the hash is all that is ever stored."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


def check_email(email: str) -> str | None:
    """What is wrong with ``email``, or None."""
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        return "must be an email address such as name@example.com"
    return None


def check_username(username: str) -> str | None:
    if not _USERNAME.fullmatch(username):
        return "must be 3 to 30 letters, digits or underscores"
    return None


def check_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    return None


def validate_sign_up(email: str, username: str, password: str) -> None:
    """Raise INVALID_ARGUMENT naming every bad field at once."""
    problems = {
        field: problem
        for field, problem in (
            ("email", check_email(email)),
            ("username", check_username(username)),
            ("password", check_password(password)),
        )
        if problem is not None
    }
    if problems:
        raise invalid_fields(problems)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserSignedUp(DomainEvent):
    user_id: uuid.UUID
    username: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UsernameChanged(DomainEvent):
    user_id: uuid.UUID
    username: str


class User(AggregateRoot[uuid.UUID]):
    """An account. It holds a password hash, never a password."""

    def __init__(
        self,
        id: uuid.UUID,
        *,
        email: str,
        username: str,
        password_hash: str,
        created_at: datetime,
        version: int = 0,
    ) -> None:
        super().__init__(id, version=version)
        self.email = email
        self.username = username
        self.password_hash = password_hash
        self.created_at = created_at

    @classmethod
    def sign_up(
        cls,
        *,
        email: str,
        username: str,
        password: str,
        hasher: PasswordHasher,
        now: datetime,
        id: uuid.UUID | None = None,
    ) -> User:
        """A new account, after checking every field; records :class:`UserSignedUp`."""
        validate_sign_up(email, username, password)
        user = cls(
            id or uuid.uuid4(),
            email=email,
            username=username,
            password_hash=hasher.hash(password),
            created_at=now,
        )
        user.record(UserSignedUp(user_id=user.id, username=username))
        return user

    def change_username(self, username: str) -> None:
        problem = check_username(username)
        if problem is not None:
            raise invalid_fields({"username": problem})
        self.username = username
        self.record(UsernameChanged(user_id=self.id, username=username))

    def __repr__(self) -> str:
        # Never the hash: reprs end up in logs and tracebacks.
        return f"User(id={self.id!r}, username={self.username!r}, version={self.version})"
