"""gRPC for Avion services: interceptors, health, reflection, graceful shutdown, error mapping."""

from avion_grpc.client import ContextClientInterceptor, client_interceptors, outbound_metadata
from avion_grpc.interceptors import (
    CALL_DURATION,
    REQUEST_ID_METADATA_KEY,
    AroundInterceptor,
    DomainErrorInterceptor,
    LoggingInterceptor,
    MetricsInterceptor,
    RecoveryInterceptor,
    TracingInterceptor,
    default_interceptors,
    outcome,
    wrap_handler,
)
from avion_grpc.rich_status import STATUS_DETAILS_KEY, bad_request_violations, status_details
from avion_grpc.server import DEFAULT_ADDRESS, HEALTH_SERVICE_NAME, GrpcServer
from avion_grpc.status import (
    ERROR_METADATA_KEY,
    SERVER_FAILURES,
    domain_error_from_rpc_error,
    error_metadata,
    to_status_code,
)

__all__ = [
    "CALL_DURATION",
    "DEFAULT_ADDRESS",
    "ERROR_METADATA_KEY",
    "HEALTH_SERVICE_NAME",
    "REQUEST_ID_METADATA_KEY",
    "SERVER_FAILURES",
    "STATUS_DETAILS_KEY",
    "AroundInterceptor",
    "ContextClientInterceptor",
    "DomainErrorInterceptor",
    "GrpcServer",
    "LoggingInterceptor",
    "MetricsInterceptor",
    "RecoveryInterceptor",
    "TracingInterceptor",
    "bad_request_violations",
    "client_interceptors",
    "default_interceptors",
    "domain_error_from_rpc_error",
    "error_metadata",
    "outbound_metadata",
    "outcome",
    "status_details",
    "to_status_code",
    "wrap_handler",
]
