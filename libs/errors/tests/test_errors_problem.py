"""DomainError → application/problem+json (RFC 9457)."""

from __future__ import annotations

import json

from avion_errors import (
    FIELD_VIOLATIONS,
    NOT_FOUND,
    PROBLEM_JSON,
    DomainError,
    ErrorCode,
    GrpcStatus,
    field_violations,
    invalid_fields,
    problem_details,
    problem_response,
)


def test_a_domain_error_becomes_problem_details() -> None:
    error = DomainError(NOT_FOUND, "user 42 not found", details={"user_id": 42})
    assert problem_details(error, instance="/users/42") == {
        "type": "urn:avion:error:NOT_FOUND",
        "title": "The resource does not exist.",
        "status": 404,
        "detail": "user 42 not found",
        "code": "NOT_FOUND",
        "instance": "/users/42",
        "details": {"user_id": 42},
    }


def test_without_a_description_the_title_is_the_http_phrase() -> None:
    teapot = ErrorCode("BREW.TEAPOT", 418, GrpcStatus.FAILED_PRECONDITION)
    problem = problem_details(DomainError(teapot, "short and stout"))
    assert (problem["title"], problem["status"]) == ("I'm a Teapot", 418)
    assert "instance" not in problem
    assert "details" not in problem


def test_the_response_has_the_status_media_type_and_json_body() -> None:
    response = problem_response(DomainError(NOT_FOUND, "gone", cause=RuntimeError("db secret")))
    assert response.status == 404
    headers = dict(response.headers)
    assert headers["content-type"] == PROBLEM_JSON == "application/problem+json"
    assert headers["content-length"] == str(len(response.body))
    body = json.loads(response.body)
    assert body["detail"] == "gone"
    assert "db secret" not in response.body.decode()


def test_an_unexpected_exception_is_a_generic_500() -> None:
    response = problem_response(KeyError("internal table name"))
    assert response.status == 500
    assert json.loads(response.body) == {
        "type": "urn:avion:error:INTERNAL",
        "title": "An unexpected failure.",
        "status": 500,
        "detail": "internal error",
        "code": "INTERNAL",
    }


def test_invalid_fields_lists_each_field_and_reads_back() -> None:
    error = invalid_fields({"password": "must be at least 12 characters", "email": "malformed"})
    assert error.code.name == "INVALID_ARGUMENT"
    assert error.message == "invalid password, email"
    assert error.details == {
        FIELD_VIOLATIONS: [
            {"field": "password", "description": "must be at least 12 characters"},
            {"field": "email", "description": "malformed"},
        ]
    }
    assert field_violations(error) == {
        "password": "must be at least 12 characters",  # pragma: allowlist secret
        "email": "malformed",
    }
    assert problem_details(error)["details"] == error.details
    assert field_violations(DomainError(NOT_FOUND, "x")) == {}
    assert field_violations(DomainError(NOT_FOUND, "x", details={FIELD_VIOLATIONS: "no"})) == {}
    custom = invalid_fields({"a": "b"}, "bad request", code="VALIDATION_FAILED")
    assert (custom.code.name, custom.message) == ("VALIDATION_FAILED", "bad request")
