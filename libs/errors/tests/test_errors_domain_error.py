"""DomainError: construction, mapping, chaining, serialization."""

from __future__ import annotations

import json
import pickle

import pytest
from avion_errors import (
    CONFLICT,
    INTERNAL,
    NOT_FOUND,
    DomainError,
    ErrorCode,
    ErrorRegistry,
    GrpcStatus,
    UnknownErrorCodeError,
)


def test_code_may_be_given_by_name_and_carries_the_mappings() -> None:
    error = DomainError("NOT_FOUND", "user 42 not found", details={"user_id": 42})
    assert error.code is NOT_FOUND
    assert (error.http_status, error.grpc_status) == (404, GrpcStatus.NOT_FOUND)
    assert str(error) == "NOT_FOUND: user 42 not found"
    assert repr(error) == (
        "DomainError(code='NOT_FOUND', message='user 42 not found', details={'user_id': 42})"
    )


def test_names_are_resolved_in_the_given_registry() -> None:
    registry = ErrorRegistry()
    with pytest.raises(UnknownErrorCodeError):
        DomainError("NOT_FOUND", "x", registry=registry)


def test_details_must_be_json_serializable() -> None:
    with pytest.raises(TypeError, match="details must be JSON-serializable"):
        DomainError(NOT_FOUND, "x", details={"when": object()})


def test_cause_is_python_exception_chaining() -> None:
    low = KeyError("row 42")
    mid = DomainError(NOT_FOUND, "user 42 not found", cause=low)
    top = DomainError.wrap(mid, CONFLICT, "cannot follow")
    assert top.cause is mid
    assert mid.__cause__ is low
    assert list(top.causes()) == [mid, low]
    assert top.root_cause() is low
    alone = DomainError(INTERNAL, "alone")
    assert alone.root_cause() is alone


def test_raise_from_sets_the_cause() -> None:
    def fail() -> None:
        try:
            int("x")
        except ValueError as exc:
            raise DomainError(NOT_FOUND, "no") from exc

    with pytest.raises(DomainError) as info:
        fail()
    assert isinstance(info.value.cause, ValueError)


def test_wrap_defaults_the_message_to_the_cause_text() -> None:
    error = DomainError.wrap(TimeoutError("db timed out"), "UNAVAILABLE")
    assert error.message == "db timed out"
    assert error.http_status == 503


def test_cause_cycles_do_not_loop_forever() -> None:
    first = DomainError(INTERNAL, "a")
    second = DomainError(INTERNAL, "b", cause=first)
    first.__cause__ = second
    assert list(first.causes()) == [second]


def test_json_round_trip_keeps_code_message_and_details() -> None:
    error = DomainError(NOT_FOUND, "user 42 not found", details={"user_id": 42})
    payload = json.loads(error.to_json())
    assert payload == {
        "code": "NOT_FOUND",
        "message": "user 42 not found",
        "details": {"user_id": 42},
        "http_status": 404,
        "grpc_status": "NOT_FOUND",
    }
    back = DomainError.from_json(error.to_json())
    assert (back.code, back.message, back.details) == (NOT_FOUND, error.message, error.details)


def test_causes_are_serialized_only_on_request() -> None:
    error = DomainError(
        CONFLICT, "stale", cause=DomainError(NOT_FOUND, "gone", cause=OSError("disk"))
    )
    assert "causes" not in error.to_dict()
    assert error.to_dict(include_causes=True)["causes"] == [
        {"code": "NOT_FOUND", "message": "gone", "details": {}},
        {"type": "builtins.OSError", "message": "disk"},
    ]


def test_unknown_codes_from_other_services_are_rebuilt_from_their_statuses() -> None:
    foreign = ErrorCode("MEDIA.TOO_LARGE", 413, GrpcStatus.OUT_OF_RANGE)
    text = DomainError(foreign, "10 MiB max").to_json()
    back = DomainError.from_json(text, registry=ErrorRegistry())
    assert back.code == foreign


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("[]", "must be a JSON object"),
        ('{"code": 1, "message": "m"}', "string 'code' and 'message'"),
        ('{"code": "NOT_FOUND", "message": "m", "details": []}', "must be an object"),
        ('{"code": "X.Y", "message": "m"}', "unknown error code 'X.Y'"),
        ('{"code": "X.Y", "message": "m", "http_status": 400, "grpc_status": "NOPE"}', "X.Y"),
    ],
)
def test_malformed_payloads_are_refused(payload: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DomainError.from_json(payload)


class UserNotFoundError(DomainError):
    pass


def test_subclasses_pickle_with_their_cause() -> None:
    error = UserNotFoundError(NOT_FOUND, "user 1", details={"id": 1}, cause=ValueError("v"))
    back = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(back) is UserNotFoundError
    assert (back.code, back.message, back.details) == (NOT_FOUND, "user 1", {"id": 1})
    assert isinstance(back.cause, ValueError)
