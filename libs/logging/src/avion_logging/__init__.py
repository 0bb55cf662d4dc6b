"""Structured JSON logging for Avion services: setup, context ids, request logging, capture."""

from avion_logging.asgi import RequestLoggingMiddleware
from avion_logging.context import (
    REQUEST_ID_KEY,
    TRACE_ID_KEY,
    accept_request_id,
    bound_request_context,
    current_request_id,
    current_trace_id,
    new_request_id,
    trace_id_from_traceparent,
)
from avion_logging.request_log import RequestLog
from avion_logging.setup import (
    LoggingSettings,
    configure_logging,
    configure_logging_from_env,
    get_logger,
    shared_processors,
)

__all__ = [
    "REQUEST_ID_KEY",
    "TRACE_ID_KEY",
    "LoggingSettings",
    "RequestLog",
    "RequestLoggingMiddleware",
    "accept_request_id",
    "bound_request_context",
    "configure_logging",
    "configure_logging_from_env",
    "current_request_id",
    "current_trace_id",
    "get_logger",
    "new_request_id",
    "shared_processors",
    "trace_id_from_traceparent",
]
