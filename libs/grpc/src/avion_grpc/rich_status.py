"""Rich error details: a DomainError's field violations as ``google.rpc.BadRequest``.

The standard gRPC way (``grpc-status-details-bin``, a ``google.rpc.Status``) that clients in any
language read with their status library; avion's own ``avion-error-bin`` stays alongside.
"""

from __future__ import annotations

import grpc
from avion_errors import DomainError, field_violations
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status

STATUS_DETAILS_KEY = "grpc-status-details-bin"
"""The trailing metadata key of gRPC's rich error model (a serialized ``google.rpc.Status``)."""


def status_details(error: DomainError) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying ``error``'s field violations, or nothing when it has none."""
    violations = field_violations(error)
    if not violations:
        return ()
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=field, description=description)
            for field, description in violations.items()
        ]
    )
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    status = status_pb2.Status(code=int(error.grpc_status), message=error.message, details=[detail])
    return ((STATUS_DETAILS_KEY, status.SerializeToString()),)


def bad_request_violations(error: grpc.RpcError) -> dict[str, str]:
    """Client side: the ``field → description`` pairs of a failed call's ``BadRequest``."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]  # an RpcError is also a Call
    found: dict[str, str] = {}
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.update((v.field, v.description) for v in bad_request.field_violations)
    return found
