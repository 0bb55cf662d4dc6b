"""Error codes: what went wrong, named once, with the HTTP and gRPC status each one maps to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

_NAME = re.compile(r"[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*")


class GrpcStatus(IntEnum):
    """The canonical gRPC status codes, kept here so that this library does not need grpcio."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


@dataclass(frozen=True)
class ErrorCode:
    """A stable, machine-readable error name with its transport mappings."""

    name: str
    http_status: int
    grpc_status: GrpcStatus
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(
                f"error code name {self.name!r} must be UPPER_SNAKE_CASE, optionally dotted "
                "(e.g. 'NOT_FOUND' or 'USER.HANDLE_TAKEN')"
            )
        if not 400 <= self.http_status <= 599:
            raise ValueError(
                f"error code {self.name}: HTTP status {self.http_status} is not an error (400-599)"
            )
        if self.grpc_status is GrpcStatus.OK:
            raise ValueError(f"error code {self.name}: gRPC status OK is not an error")


class UnknownErrorCodeError(LookupError):
    """Raised when a code name is looked up that no one registered."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown error code {name!r}; register it with ErrorRegistry.define()")
        self.name = name


class DuplicateErrorCodeError(ValueError):
    """Raised when a code name is registered twice with different meanings."""

    def __init__(self, existing: ErrorCode, new: ErrorCode) -> None:
        super().__init__(
            f"error code {new.name!r} is already registered as {existing!r}; "
            f"cannot redefine it as {new!r}"
        )
        self.existing = existing
        self.new = new


class ErrorRegistry:
    """The set of error codes a process knows, by name."""

    def __init__(self, codes: tuple[ErrorCode, ...] = ()) -> None:
        self._codes: dict[str, ErrorCode] = {}
        for code in codes:
            self.register(code)

    def register(self, code: ErrorCode) -> ErrorCode:
        """Add ``code``; registering the same definition again is a no-op."""
        existing = self._codes.get(code.name)
        if existing is not None and existing != code:
            raise DuplicateErrorCodeError(existing, code)
        self._codes[code.name] = code
        return code

    def define(
        self,
        name: str,
        *,
        http_status: int,
        grpc_status: GrpcStatus,
        description: str = "",
    ) -> ErrorCode:
        """Create and register a code in one step."""
        return self.register(ErrorCode(name, http_status, grpc_status, description))

    def get(self, name: str) -> ErrorCode:
        """The code called ``name``; raises :class:`UnknownErrorCodeError` if there is none."""
        try:
            return self._codes[name]
        except KeyError:
            raise UnknownErrorCodeError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._codes

    def __iter__(self) -> Iterator[ErrorCode]:
        return iter(sorted(self._codes.values(), key=lambda code: code.name))

    def __len__(self) -> int:
        return len(self._codes)


INVALID_ARGUMENT = ErrorCode(
    "INVALID_ARGUMENT", 400, GrpcStatus.INVALID_ARGUMENT, "The request is malformed."
)
"""The request is malformed: HTTP 400, gRPC ``INVALID_ARGUMENT``."""
VALIDATION_FAILED = ErrorCode(
    "VALIDATION_FAILED", 422, GrpcStatus.INVALID_ARGUMENT, "The request breaks a rule."
)
"""The request is well-formed but breaks a rule: HTTP 422, gRPC ``INVALID_ARGUMENT``."""
UNAUTHENTICATED = ErrorCode(
    "UNAUTHENTICATED", 401, GrpcStatus.UNAUTHENTICATED, "No valid credentials."
)
"""No valid credentials: HTTP 401, gRPC ``UNAUTHENTICATED``."""
PERMISSION_DENIED = ErrorCode(
    "PERMISSION_DENIED", 403, GrpcStatus.PERMISSION_DENIED, "Not allowed for this caller."
)
"""The caller may not do this: HTTP 403, gRPC ``PERMISSION_DENIED``."""
NOT_FOUND = ErrorCode("NOT_FOUND", 404, GrpcStatus.NOT_FOUND, "The resource does not exist.")
"""The resource does not exist: HTTP 404, gRPC ``NOT_FOUND``."""
ALREADY_EXISTS = ErrorCode(
    "ALREADY_EXISTS", 409, GrpcStatus.ALREADY_EXISTS, "The resource exists already."
)
"""The resource exists already: HTTP 409, gRPC ``ALREADY_EXISTS``."""
CONFLICT = ErrorCode("CONFLICT", 409, GrpcStatus.ABORTED, "A concurrent change won; retry.")
"""A concurrent change won; retry: HTTP 409, gRPC ``ABORTED``."""
FAILED_PRECONDITION = ErrorCode(
    "FAILED_PRECONDITION",
    412,
    GrpcStatus.FAILED_PRECONDITION,
    "The system is not in the state the operation needs.",
)
"""The system is not in the state the operation needs: HTTP 412, gRPC ``FAILED_PRECONDITION``."""
RATE_LIMITED = ErrorCode(
    "RATE_LIMITED", 429, GrpcStatus.RESOURCE_EXHAUSTED, "Too many requests; slow down."
)
"""Too many requests; slow down: HTTP 429, gRPC ``RESOURCE_EXHAUSTED``."""
INTERNAL = ErrorCode("INTERNAL", 500, GrpcStatus.INTERNAL, "An unexpected failure.")
"""An unexpected failure: HTTP 500, gRPC ``INTERNAL``."""
NOT_IMPLEMENTED = ErrorCode(
    "NOT_IMPLEMENTED", 501, GrpcStatus.UNIMPLEMENTED, "The operation is not implemented."
)
"""The operation is not implemented: HTTP 501, gRPC ``UNIMPLEMENTED``."""
UNAVAILABLE = ErrorCode(
    "UNAVAILABLE", 503, GrpcStatus.UNAVAILABLE, "A dependency is unavailable; retry later."
)
"""A dependency is unavailable; retry later: HTTP 503, gRPC ``UNAVAILABLE``."""
DEADLINE_EXCEEDED = ErrorCode(
    "DEADLINE_EXCEEDED", 504, GrpcStatus.DEADLINE_EXCEEDED, "The operation took too long."
)
"""The operation took too long: HTTP 504, gRPC ``DEADLINE_EXCEEDED``."""

STANDARD_CODES: tuple[ErrorCode, ...] = (
    INVALID_ARGUMENT,
    VALIDATION_FAILED,
    UNAUTHENTICATED,
    PERMISSION_DENIED,
    NOT_FOUND,
    ALREADY_EXISTS,
    CONFLICT,
    FAILED_PRECONDITION,
    RATE_LIMITED,
    INTERNAL,
    NOT_IMPLEMENTED,
    UNAVAILABLE,
    DEADLINE_EXCEEDED,
)
"""Every standard code above, registered in ``REGISTRY`` at import."""

REGISTRY = ErrorRegistry(STANDARD_CODES)
"""The process-wide registry, preloaded with :data:`STANDARD_CODES`."""


def define_error_code(
    name: str, *, http_status: int, grpc_status: GrpcStatus, description: str = ""
) -> ErrorCode:
    """Define a service-specific code in the process-wide :data:`REGISTRY`."""
    return REGISTRY.define(
        name, http_status=http_status, grpc_status=grpc_status, description=description
    )
