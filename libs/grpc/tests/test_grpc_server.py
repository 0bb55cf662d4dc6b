"""GrpcServer: health, reflection and graceful shutdown, over real connections."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from avion_grpc import HEALTH_SERVICE_NAME, GrpcServer
from grpc_echo_service import SERVICE, Harness, echo_handlers
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def health_of(channel: grpc.aio.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(response.status)


@pytest.mark.anyio
async def test_health_reports_the_server_and_each_service(harness: Harness) -> None:
    assert await health_of(harness.channel, "") == SERVING
    assert await health_of(harness.channel, SERVICE) == SERVING
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await health_of(harness.channel, "avion.Unknown")
    assert info.value.code() is grpc.StatusCode.NOT_FOUND


@pytest.mark.anyio
async def test_reflection_lists_the_services(harness: Harness) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(harness.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [response async for response in stub.ServerReflectionInfo(iter([request]))]
    names = {s.name for s in responses[0].list_services_response.service}
    assert names == {SERVICE, HEALTH_SERVICE_NAME, "grpc.reflection.v1alpha.ServerReflection"}


async def started(**options: object) -> tuple[GrpcServer, grpc.aio.Channel]:
    server = GrpcServer(address="127.0.0.1:0", services=[SERVICE], **options)  # type: ignore[arg-type]
    server.server.add_generic_rpc_handlers([echo_handlers()])
    port = await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


@pytest.mark.anyio
async def test_without_reflection_the_reflection_service_is_absent() -> None:
    server, channel = await started(reflection=False)
    async with channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        with pytest.raises(grpc.aio.AioRpcError) as info:
            _ = [r async for r in stub.ServerReflectionInfo(iter([request]))]
        assert info.value.code() is grpc.StatusCode.UNIMPLEMENTED
    with pytest.raises(RuntimeError, match="already started"):
        await server.start()
    await server.stop(grace=0)


@pytest.mark.anyio
async def test_stop_drains_then_lets_calls_in_flight_finish() -> None:
    server, channel = await started(drain_seconds=0.3)
    async with channel:
        slow = asyncio.ensure_future(channel.unary_unary(f"/{SERVICE}/Say")(b"slow", timeout=10))
        await asyncio.sleep(0.1)  # the slow call is in flight
        stopping = asyncio.create_task(server.stop(grace=5))
        await asyncio.sleep(0.1)  # draining: still answering, but no longer healthy
        assert await health_of(channel, "") == NOT_SERVING
        assert await health_of(channel, SERVICE) == NOT_SERVING
        assert await slow == b"done"
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await channel.unary_unary(f"/{SERVICE}/Say")(b"late", timeout=2)
        assert info.value.code() is grpc.StatusCode.UNAVAILABLE


@pytest.mark.anyio
async def test_a_server_with_credentials_serves_over_them() -> None:
    # Local credentials need no certificates; TLS credentials take the same path.
    local_tcp = grpc.LocalConnectionType.LOCAL_TCP
    server = GrpcServer(address="127.0.0.1:0", credentials=grpc.local_server_credentials(local_tcp))
    server.server.add_generic_rpc_handlers([echo_handlers()])
    port = await server.start()
    credentials = grpc.local_channel_credentials(local_tcp)
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        assert await channel.unary_unary(f"/{SERVICE}/Say")(b"s", timeout=5) == b"echo:s"
    await server.stop(grace=0)
