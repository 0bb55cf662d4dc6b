"""Fixtures for avion_grpc's tests: a real grpc.aio server on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from avion_grpc import GrpcServer, default_interceptors
from avion_telemetry.testing import capture_telemetry
from grpc_echo_service import SERVICE, Harness, echo_handlers

WAIT_SECONDS = 60.0


async def wait_until(condition: Callable[[], object], what: str = "the condition") -> None:
    """Poll ``condition`` until it holds, failing after a generous bound.

    A server may still be writing its log line or ending its span when the client already has
    its answer (an aborted call's status is sent before the interceptors unwind).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not hold within {WAIT_SECONDS:g}s")
        await asyncio.sleep(0.005)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # One event loop for every test: grpc.aio's poller thread posts completions to the loop it
    # served, and a late one reaching the previous test's closed loop fails the next test.
    return "asyncio"


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    with capture_telemetry("grpc-test") as telemetry:
        server = GrpcServer(
            address="127.0.0.1:0",
            services=[SERVICE],
            interceptors=default_interceptors(
                tracer_provider=telemetry.telemetry.tracer_provider,
                meter_provider=telemetry.telemetry.meter_provider,
            ),
            grace=2.0,
        )
        server.server.add_generic_rpc_handlers([echo_handlers()])
        port = await server.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Harness(server, channel, telemetry)
        await server.stop(grace=0)


# Tests assert behaviour, never speed: on a loaded machine (two cores, many test runs at once)
# Hypothesis must neither time examples out nor fail its too_slow health check.
with contextlib.suppress(ImportError):
    from hypothesis import HealthCheck, settings

    settings.register_profile("avion", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("avion")
