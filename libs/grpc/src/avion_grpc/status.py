"""DomainError ⇄ gRPC status: the mapping both sides of a call agree on."""

from __future__ import annotations

import grpc
from avion_errors import DomainError, GrpcStatus

ERROR_METADATA_KEY = "avion-error-bin"
"""Trailing metadata key carrying the JSON of a DomainError (binary, so any text survives)."""

SERVER_FAILURES = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)
"""Statuses that mean the server failed (OpenTelemetry's rule for server spans)."""

_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def to_status_code(status: GrpcStatus) -> grpc.StatusCode:
    """The grpcio status code for one of ``avion_errors``' canonical codes."""
    return _BY_NUMBER[int(status)]


def error_metadata(error: DomainError) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata that lets the caller rebuild ``error``."""
    return ((ERROR_METADATA_KEY, error.to_json().encode()),)


def domain_error_from_rpc_error(error: grpc.RpcError) -> DomainError | None:
    """The DomainError a server sent with a failed call, or ``None`` if it sent none.

    Use on the client side: ``except grpc.aio.AioRpcError as exc: err = ...(exc)``.
    """
    trailing = getattr(error, "trailing_metadata", None)
    metadata = trailing() if callable(trailing) else None
    for key, value in metadata or ():
        if key == ERROR_METADATA_KEY and isinstance(value, bytes):
            try:
                return DomainError.from_json(value)
            except ValueError:
                return None
    return None
