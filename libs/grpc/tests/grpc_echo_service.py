"""A small bytes-in/bytes-out gRPC service (no protobuf needed) for avion_grpc's tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
from avion_errors import NOT_FOUND, DomainError, invalid_fields
from avion_grpc import GrpcServer
from avion_logging import current_request_id, get_logger
from avion_telemetry.testing import TelemetryCapture

SERVICE = "avion.test.v1.Echo"


async def say(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    if request == b"not-found":
        raise DomainError(NOT_FOUND, "user 42 not found", details={"user_id": 42})
    if request == b"invalid":
        raise invalid_fields(
            {
                "password": "must be at least 12 characters",  # pragma: allowlist secret
                "email": "malformed",
            }
        )
    if request == b"crash":
        raise RuntimeError("secret internals")
    if request == b"abort":
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "nope")
    if request == b"bad-error-metadata":
        await context.abort(grpc.StatusCode.ABORTED, "x", (("avion-error-bin", b"not json"),))
    if request == b"set-code":
        context.set_code(grpc.StatusCode.FAILED_PRECONDITION)
        return b""
    if request == b"slow":
        await asyncio.sleep(0.5)
        return b"done"
    if request == b"log":
        get_logger("handler").info("handler.work")
        return (current_request_id() or "").encode()
    return b"echo:" + request


def say_sync(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    return b"sync:" + request


async def count(
    request: bytes, context: grpc.aio.ServicerContext[Any, Any]
) -> AsyncIterator[bytes]:
    for item in (b"1", b"2"):
        yield item
    if request == b"crash-mid-stream":
        raise RuntimeError("stream broke")


async def count_by_writing(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await context.write(b"w1")
    await context.write(b"w2")


async def total(
    requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
) -> bytes:
    return str(sum([len(item) async for item in requests])).encode()


async def chat(
    requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
) -> AsyncIterator[bytes]:
    async for item in requests:
        yield item.upper()


def echo_handlers() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Say": grpc.unary_unary_rpc_method_handler(say),
            "SaySync": grpc.unary_unary_rpc_method_handler(say_sync),
            "Count": grpc.unary_stream_rpc_method_handler(count),
            "CountByWriting": grpc.unary_stream_rpc_method_handler(count_by_writing),
            "Total": grpc.stream_unary_rpc_method_handler(total),
            "Chat": grpc.stream_stream_rpc_method_handler(chat),
        },
    )


@dataclass
class Harness:
    server: GrpcServer
    channel: grpc.aio.Channel
    telemetry: TelemetryCapture

    async def say(self, request: bytes, **kwargs: Any) -> bytes:
        call = self.channel.unary_unary(f"/{SERVICE}/Say")
        before = len(self.telemetry.finished_spans())
        try:
            response: bytes = await call(request, timeout=10, **kwargs)
        finally:
            await self.settled(before + 1)
        return response

    async def settled(self, spans: int) -> None:
        """Wait until the server has unwound ``spans`` calls through every interceptor.

        An aborted call's status reaches the client before the server's interceptors finish
        (logging, metrics); the span ends last, so its count says when they are done.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while len(self.telemetry.finished_spans()) < spans and loop.time() < deadline:
            await asyncio.sleep(0.01)
