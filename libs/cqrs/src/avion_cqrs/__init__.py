"""CQRS for Avion services: commands, queries, and a bus with middleware."""

from avion_cqrs.bus import (
    Bus,
    DuplicateHandlerError,
    Handler,
    HandlerNotFoundError,
    Middleware,
    Next,
)
from avion_cqrs.messages import Command, Message, MessageType, Query
from avion_cqrs.middleware import (
    LoggingMiddleware,
    SelfValidating,
    TransactionMiddleware,
    ValidationMiddleware,
    current_unit_of_work,
)

__all__ = [
    "Bus",
    "Command",
    "DuplicateHandlerError",
    "Handler",
    "HandlerNotFoundError",
    "LoggingMiddleware",
    "Message",
    "MessageType",
    "Middleware",
    "Next",
    "Query",
    "SelfValidating",
    "TransactionMiddleware",
    "ValidationMiddleware",
    "current_unit_of_work",
]
