"""Edges the mutation run found untested: exact messages, bounds, causes, stable JSON."""

from __future__ import annotations

import json

import pytest
from avion_errors import (
    NOT_FOUND,
    REGISTRY,
    DomainError,
    ErrorCode,
    ErrorRegistry,
    GrpcStatus,
    UnknownErrorCodeError,
    define_error_code,
    problem_response,
)


def test_args_hold_the_message() -> None:
    assert DomainError(NOT_FOUND, "gone").args == ("gone",)


def test_wrap_keeps_details_and_an_explicit_message() -> None:
    cause = KeyError("k")
    error = DomainError.wrap(cause, NOT_FOUND, "no such key", details={"key": "k"})
    assert (error.message, error.details, error.cause) == ("no such key", {"key": "k"}, cause)
    assert DomainError.wrap(ValueError("v"), NOT_FOUND).message == "v"


def test_a_cause_cycle_is_walked_once_per_exception() -> None:
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__cause__, second.__cause__ = second, first
    error = DomainError(NOT_FOUND, "x", cause=first)
    assert list(error.causes()) == [first, second]
    assert error.to_dict(include_causes=True)["causes"][0] == {
        "type": "builtins.RuntimeError",
        "message": "a",
    }


def test_json_is_stable_and_leaves_causes_out_unless_asked() -> None:
    error = DomainError(NOT_FOUND, "x", details={"b": 1, "a": 2}, cause=RuntimeError("secret"))
    text = error.to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True)
    assert "secret" not in text
    assert "secret" in error.to_json(include_causes=True)
    body = problem_response(error, instance="/x").body
    assert body == json.dumps(json.loads(body), sort_keys=True).encode()
    assert json.loads(body)["instance"] == "/x"


def test_bad_serialized_errors_say_what_is_wrong() -> None:
    for data, message in (
        ({"code": 1, "message": "m"}, "a serialized DomainError needs string 'code' and 'message'"),
        (
            {"code": "NOT_FOUND", "message": "m", "details": []},
            "a serialized DomainError's 'details' must be an object",
        ),
    ):
        with pytest.raises(ValueError, match="serialized") as info:
            DomainError.from_dict(data)
        assert str(info.value) == message
    with pytest.raises(ValueError, match="JSON object") as not_object:
        DomainError.from_json("[]")
    assert str(not_object.value) == "a serialized DomainError must be a JSON object"


def test_from_json_uses_the_registry_given() -> None:
    local = ErrorRegistry()
    local.define("SHOP.SOLD_OUT", http_status=409, grpc_status=GrpcStatus.FAILED_PRECONDITION)
    text = json.dumps({"code": "SHOP.SOLD_OUT", "message": "m"})
    assert DomainError.from_json(text, registry=local).code.http_status == 409


def test_http_status_bounds_are_inclusive_and_the_name_rule_is_explained() -> None:
    for status in (400, 599):
        ErrorCode("EDGE", status, GrpcStatus.INTERNAL)
    with pytest.raises(ValueError, match="HTTP status 600 is not an error"):
        ErrorCode("EDGE", 600, GrpcStatus.INTERNAL)
    with pytest.raises(ValueError, match="UPPER_SNAKE_CASE") as info:
        ErrorCode("lower", 400, GrpcStatus.INTERNAL)
    assert str(info.value) == (
        "error code name 'lower' must be UPPER_SNAKE_CASE, optionally dotted "
        "(e.g. 'NOT_FOUND' or 'USER.HANDLE_TAKEN')"
    )


def test_defined_codes_keep_their_description_and_unknown_names_are_kept() -> None:
    local = ErrorRegistry()
    assert local.define("A", http_status=400, grpc_status=GrpcStatus.INTERNAL).description == ""
    described = local.define(
        "B", http_status=400, grpc_status=GrpcStatus.INTERNAL, description="why"
    )
    assert described.description == "why"
    code = define_error_code(
        "EDGE_TEST.DESCRIBED", http_status=400, grpc_status=GrpcStatus.INTERNAL, description="d"
    )
    assert REGISTRY.get("EDGE_TEST.DESCRIBED").description == code.description == "d"
    with pytest.raises(UnknownErrorCodeError) as unknown:
        local.get("NOPE")
    assert unknown.value.name == "NOPE"
