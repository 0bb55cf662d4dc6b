"""The gRPC API on a real server and channel, over the in-memory application.

Statuses, rich error details and reflection as a client in any language sees them. The same
calls against real PostgreSQL and Redis: tests/integration/services/test_auth_api.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import grpc
import pytest
from avion_grpc import GrpcServer, bad_request_violations, default_interceptors
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from avion.auth.v1 import auth_pb2, auth_pb2_grpc
from avion_auth.api import SERVICE_NAME, AuthApi
from avion_auth.testing import App

PASSWORD = "a long enough passphrase"  # noqa: S105  # pragma: allowlist secret


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[grpc.aio.Channel]:
    server = GrpcServer(
        address="127.0.0.1:0", services=[SERVICE_NAME], interceptors=default_interceptors()
    )
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthApi(app.bus), server.server)  # type: ignore[no-untyped-call]
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(grace=0)


def with_server(test: Callable[[App, grpc.aio.Channel], Awaitable[None]]) -> Callable[[App], None]:
    def run(app: App) -> None:
        async def body() -> None:
            async with serving(app) as channel:
                await test(app, channel)

        asyncio.run(body())

    run.__name__ = test.__name__
    return run


async def fails(call: Awaitable[object]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value


@with_server
async def test_sign_up_authenticate_and_read_back(app: App, channel: grpc.aio.Channel) -> None:
    stub = auth_pb2_grpc.AuthServiceStub(channel)  # type: ignore[no-untyped-call]
    created = await stub.SignUp(
        auth_pb2.SignUpRequest(email="ada@example.com", username="ada", password=PASSWORD)
    )
    session = await stub.Authenticate(
        auth_pb2.AuthenticateRequest(email="ada@example.com", password=PASSWORD)
    )
    assert session.session_token
    assert session.expires_at.ToDatetime().isoformat() == "2026-11-30T14:00:00"
    user = await stub.GetUser(auth_pb2.GetUserRequest(user_id=created.user_id))
    assert (user.user_id, user.email, user.username) == (created.user_id, "ada@example.com", "ada")
    assert user.created_at.ToDatetime().isoformat() == "2026-11-30T12:00:00"


@with_server
async def test_errors_are_standard_statuses(app: App, channel: grpc.aio.Channel) -> None:
    stub = auth_pb2_grpc.AuthServiceStub(channel)  # type: ignore[no-untyped-call]
    ada = auth_pb2.SignUpRequest(email="ada@example.com", username="ada", password=PASSWORD)
    await stub.SignUp(ada)
    taken = await fails(stub.SignUp(ada))
    assert taken.code() is grpc.StatusCode.ALREADY_EXISTS
    too_short = "short"
    short = await fails(
        stub.SignUp(
            auth_pb2.SignUpRequest(email="bo@example.com", username="bo_b", password=too_short)
        )
    )
    assert short.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request_violations(short) == {
        "password": "must be at least 12 characters",  # pragma: allowlist secret
    }
    wrong = await fails(
        stub.Authenticate(auth_pb2.AuthenticateRequest(email="ada@example.com", password="nope"))  # noqa: S106  # pragma: allowlist secret
    )
    unknown = await fails(
        stub.Authenticate(auth_pb2.AuthenticateRequest(email="x@example.com", password=PASSWORD))
    )
    assert wrong.code() is unknown.code() is grpc.StatusCode.UNAUTHENTICATED
    assert wrong.details() == unknown.details() == "wrong email or password"
    missing = await fails(
        stub.GetUser(auth_pb2.GetUserRequest(user_id="00000000-0000-4000-8000-000000000000"))
    )
    assert missing.code() is grpc.StatusCode.NOT_FOUND
    garbage = await fails(stub.GetUser(auth_pb2.GetUserRequest(user_id="42")))
    assert bad_request_violations(garbage) == {"user_id": "must be a UUID"}


@with_server
async def test_reflection_lists_the_auth_service(app: App, channel: grpc.aio.Channel) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)  # type: ignore[arg-type]
    asks = iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    names = [
        service.name
        async for answer in reflection.ServerReflectionInfo(asks)  # type: ignore[operator]
        for service in answer.list_services_response.service
    ]
    assert SERVICE_NAME == "avion.auth.v1.AuthService"
    assert SERVICE_NAME in names
