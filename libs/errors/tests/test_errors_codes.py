"""Error codes and the registry."""

from __future__ import annotations

import pytest
from avion_errors import (
    NOT_FOUND,
    REGISTRY,
    STANDARD_CODES,
    DuplicateErrorCodeError,
    ErrorCode,
    ErrorRegistry,
    GrpcStatus,
    UnknownErrorCodeError,
    define_error_code,
)


def test_standard_codes_map_to_the_expected_transport_statuses() -> None:
    table = {code.name: (code.http_status, code.grpc_status) for code in STANDARD_CODES}
    assert table["NOT_FOUND"] == (404, GrpcStatus.NOT_FOUND)
    assert table["VALIDATION_FAILED"] == (422, GrpcStatus.INVALID_ARGUMENT)
    assert table["CONFLICT"] == (409, GrpcStatus.ABORTED)
    assert table["RATE_LIMITED"] == (429, GrpcStatus.RESOURCE_EXHAUSTED)
    assert table["UNAUTHENTICATED"] == (401, GrpcStatus.UNAUTHENTICATED)
    assert table["INTERNAL"] == (500, GrpcStatus.INTERNAL)
    assert all(name in REGISTRY for name in table)


def test_grpc_status_values_are_the_canonical_numbers() -> None:
    assert int(GrpcStatus.NOT_FOUND) == 5
    assert int(GrpcStatus.UNAUTHENTICATED) == 16
    assert len(GrpcStatus) == 17


def test_define_registers_and_returns_the_code() -> None:
    registry = ErrorRegistry()
    code = registry.define(
        "USER.HANDLE_TAKEN", http_status=409, grpc_status=GrpcStatus.ALREADY_EXISTS
    )
    assert registry.get("USER.HANDLE_TAKEN") is code
    assert list(registry) == [code]
    assert len(registry) == 1


def test_registering_the_same_definition_twice_is_harmless() -> None:
    registry = ErrorRegistry((NOT_FOUND,))
    registry.register(ErrorCode("NOT_FOUND", 404, GrpcStatus.NOT_FOUND, NOT_FOUND.description))
    assert len(registry) == 1


def test_redefining_a_code_differently_is_refused_with_both_definitions() -> None:
    registry = ErrorRegistry((NOT_FOUND,))
    with pytest.raises(DuplicateErrorCodeError, match="already registered") as info:
        registry.define("NOT_FOUND", http_status=410, grpc_status=GrpcStatus.NOT_FOUND)
    assert info.value.existing is NOT_FOUND
    assert info.value.new.http_status == 410


def test_unknown_code_lookup_names_the_code() -> None:
    with pytest.raises(UnknownErrorCodeError, match="unknown error code 'NOPE'"):
        ErrorRegistry().get("NOPE")


def test_iteration_is_sorted_by_name() -> None:
    names = [code.name for code in REGISTRY]
    assert names == sorted(names)


def test_define_error_code_uses_the_process_registry() -> None:
    code = define_error_code(
        "TEST.ERRORS_LIB_SAMPLE", http_status=400, grpc_status=GrpcStatus.OUT_OF_RANGE
    )
    assert REGISTRY.get("TEST.ERRORS_LIB_SAMPLE") is code


@pytest.mark.parametrize(
    ("name", "http", "grpc", "message"),
    [
        ("not_found", 404, GrpcStatus.NOT_FOUND, "UPPER_SNAKE_CASE"),
        ("USER..X", 404, GrpcStatus.NOT_FOUND, "UPPER_SNAKE_CASE"),
        ("FINE", 200, GrpcStatus.NOT_FOUND, "HTTP status 200 is not an error"),
        ("FINE", 404, GrpcStatus.OK, "gRPC status OK is not an error"),
    ],
)
def test_invalid_codes_are_refused(name: str, http: int, grpc: GrpcStatus, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ErrorCode(name, http, grpc)
