"""The auth use cases through the bus, on in-memory adapters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from avion_errors import DomainError, field_violations
from avion_logging.testing import capture_logs

from avion_auth.application import WRONG_CREDENTIALS, Authenticate, GetUser, SignUp
from avion_auth.domain import User, UserSignedUp
from avion_auth.testing import NOW, App

T = TypeVar("T")
PASSWORD = "correct horse battery"  # noqa: S105  # pragma: allowlist secret


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def sign_up(app: App, email: str = "ada@example.com", username: str = "ada") -> uuid.UUID:
    return run(app.bus.dispatch(SignUp(email=email, username=username, password=PASSWORD)))


def test_sign_up_stores_a_hash_never_the_password(app: App) -> None:
    user_id = sign_up(app)
    stored = app.users.snapshot()[user_id]
    assert (stored.email, stored.username, stored.created_at) == ("ada@example.com", "ada", NOW)
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert app.hasher.verify(stored.password_hash, PASSWORD)
    assert stored.version == 1


def test_a_taken_email_or_username_is_already_exists(app: App) -> None:
    sign_up(app)
    for email, username, field in (
        ("ADA@example.com", "other", "email"),
        ("new@example.com", "Ada", "username"),
    ):
        with pytest.raises(DomainError) as info:
            sign_up(app, email, username)
        assert info.value.code.name == "ALREADY_EXISTS"
        assert info.value.message == f"an account with this {field} exists already"


def test_every_bad_field_is_reported_at_once(app: App) -> None:
    with pytest.raises(DomainError) as info:
        run(app.bus.dispatch(SignUp(email="not-an-email", username="a b", password="short")))  # noqa: S106  # pragma: allowlist secret
    assert info.value.code.name == "INVALID_ARGUMENT"
    assert field_violations(info.value) == {
        "email": "must be an email address such as name@example.com",
        "username": "must be 3 to 30 letters, digits or underscores",
        "password": "must be at least 12 characters",  # pragma: allowlist secret
    }
    assert len(app.users) == 0


@pytest.mark.parametrize(
    ("password", "problem"),
    [("x" * 11, "must be at least 12 characters"), ("x" * 1025, "must be at most 1024 characters")],
)
def test_password_length_is_bounded(app: App, password: str, problem: str) -> None:
    with pytest.raises(DomainError) as info:
        run(app.bus.dispatch(SignUp(email="a@b.co", username="abc", password=password)))
    assert field_violations(info.value) == {"password": problem}
    sign = SignUp(email="a@b.co", username="abc", password="x" * 12)
    assert isinstance(run(app.bus.dispatch(sign)), uuid.UUID)


def test_authenticate_opens_a_session_that_ends(app: App) -> None:
    user_id = sign_up(app)
    session = run(app.bus.dispatch(Authenticate(email="Ada@Example.com", password=PASSWORD)))
    assert session.expires_at == NOW + timedelta(hours=2)
    assert app.sessions.opened == [(user_id, timedelta(hours=2))]
    assert session.token not in repr(session)


def test_a_wrong_password_and_an_unknown_email_look_the_same(app: App) -> None:
    sign_up(app)
    messages = []
    for email, password in (("ada@example.com", "wrong password!"), ("who@example.com", PASSWORD)):
        with pytest.raises(DomainError) as info:
            run(app.bus.dispatch(Authenticate(email=email, password=password)))
        assert info.value.code.name == "UNAUTHENTICATED"
        messages.append(info.value.message)
    assert messages == [WRONG_CREDENTIALS, WRONG_CREDENTIALS]
    assert app.sessions.opened == []


def test_get_user_reads_the_account(app: App) -> None:
    user_id = sign_up(app)
    view = run(app.bus.dispatch(GetUser(user_id=str(user_id))))
    assert (view.user_id, view.email, view.username, view.created_at) == (
        user_id,
        "ada@example.com",
        "ada",
        NOW,
    )


def test_get_user_of_nobody_is_not_found_and_of_garbage_invalid(app: App) -> None:
    missing = uuid.uuid4()
    with pytest.raises(DomainError) as info:
        run(app.bus.dispatch(GetUser(user_id=str(missing))))
    assert (info.value.code.name, info.value.message) == ("NOT_FOUND", f"user {missing} not found")
    with pytest.raises(DomainError) as bad:
        run(app.bus.dispatch(GetUser(user_id="42")))
    assert field_violations(bad.value) == {"user_id": "must be a UUID"}


def test_passwords_never_reach_logs_or_reprs(app: App) -> None:
    with capture_logs() as logs:
        user_id = sign_up(app)
        run(app.bus.dispatch(Authenticate(email="ada@example.com", password=PASSWORD)))
        guess = Authenticate(email="ada@example.com", password="guess me please")  # noqa: S106
        with pytest.raises(DomainError):
            run(app.bus.dispatch(guess))
    assert [line["event"] for line in logs] == ["cqrs.dispatch"] * 3
    assert [line["outcome"] for line in logs] == ["ok", "ok", "UNAUTHENTICATED"]
    assert PASSWORD not in repr(logs)
    assert "guess me" not in repr(logs)
    assert PASSWORD not in repr(SignUp(email="a", username="b", password=PASSWORD))
    stored = app.users.snapshot()[user_id]
    assert stored.password_hash not in repr(stored)


def test_signing_up_records_the_event() -> None:
    app = App()
    user = User.sign_up(
        email="ada@example.com", username="ada", password=PASSWORD, hasher=app.hasher, now=NOW
    )
    (event,) = user.pending_events
    assert isinstance(event, UserSignedUp)
    assert (event.user_id, event.username) == (user.id, "ada")
    user.pull_events()
    user.change_username("lovelace")
    assert user.username == "lovelace"
    with pytest.raises(DomainError):
        user.change_username("no spaces allowed")
