"""The auth use cases: commands and queries and their handlers, dispatched by avion_cqrs.

Handlers load aggregates through repositories inside a unit of work; ``avion_auth.api``
turns gRPC requests into commands and queries for the bus.
"""

from avion_auth.application.handlers import (
    DEFAULT_SESSION_TTL,
    WRONG_CREDENTIALS,
    AuthHandlers,
    build_bus,
)
from avion_auth.application.messages import Authenticate, GetUser, Session, SignUp, UserView
from avion_auth.application.ports import HasUsers, SessionStore, UserReader, Users

__all__ = [
    "DEFAULT_SESSION_TTL",
    "WRONG_CREDENTIALS",
    "AuthHandlers",
    "Authenticate",
    "GetUser",
    "HasUsers",
    "Session",
    "SessionStore",
    "SignUp",
    "UserReader",
    "UserView",
    "Users",
    "build_bus",
]
