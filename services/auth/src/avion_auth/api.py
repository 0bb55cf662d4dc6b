"""The auth service's gRPC API: ``avion.auth.v1.AuthService`` on the application's bus.

``register`` is called once at startup by the service kit (avion_service), before the server
starts: it wires the application to the service's connections (``resources``: the database pool
and Redis its spec declares) and adds the servicer. Requests become commands and queries; a
``DomainError`` from the application becomes its gRPC status in avion-grpc's interceptors
(field violations as ``google.rpc.BadRequest``), so nothing here handles errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from avion_cqrs import Bus
from avion_service import Resources
from google.protobuf.timestamp_pb2 import Timestamp

from avion.auth.v1 import auth_pb2, auth_pb2_grpc
from avion_auth.application import Authenticate, GetUser, SignUp
from avion_auth.infrastructure import build_application

SERVICE_NAME: str = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
Context = grpc.aio.ServicerContext[Any, Any]


class AuthApi(auth_pb2_grpc.AuthServiceServicer):
    """Each RPC: request → message → bus → response."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def SignUp(self, request: auth_pb2.SignUpRequest, context: Context) -> Any:
        command = SignUp(email=request.email, username=request.username, password=request.password)
        user_id = await self._bus.dispatch(command)
        return auth_pb2.SignUpResponse(user_id=str(user_id))

    async def Authenticate(self, request: auth_pb2.AuthenticateRequest, context: Context) -> Any:
        session = await self._bus.dispatch(
            Authenticate(email=request.email, password=request.password)
        )
        return auth_pb2.AuthenticateResponse(
            session_token=session.token, expires_at=_timestamp(session.expires_at)
        )

    async def GetUser(self, request: auth_pb2.GetUserRequest, context: Context) -> Any:
        user = await self._bus.dispatch(GetUser(user_id=request.user_id))
        return auth_pb2.User(
            user_id=str(user.user_id),
            email=user.email,
            username=user.username,
            created_at=_timestamp(user.created_at),
        )


def register(server: grpc.aio.Server, resources: Resources) -> Sequence[str]:
    """Add the servicer to ``server``; return the full service names (health, reflection)."""
    bus = build_application(resources.database, resources.redis)
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthApi(bus), server)  # type: ignore[no-untyped-call]
    return (SERVICE_NAME,)


def _timestamp(moment: Any) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
