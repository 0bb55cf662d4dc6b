"""The whole service in-process: both servers, health following readiness, graceful stop."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

import grpc
import pytest
from avion_service import settings as config
from avion_service.resources import Resources
from avion_service.server import StartupError, serve
from avion_service.settings import UndeclaredPart
from grpc_health.v1 import health_pb2, health_pb2_grpc
from service_cases import PARTS, combinations, live_environment, make_spec

SERVICE = "avion.demo.v1.DemoService"


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def wait_for(condition: object, what: str, bound: float = 30.0) -> None:
    """Poll ``condition`` (an async callable returning bool) until true, or fail after ``bound``."""
    deadline = time.monotonic() + bound
    while not await condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def health(port: int, service: str = "") -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        answer = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        return int(answer.status)


@combinations
@pytest.mark.anyio
async def test_serves_probes_metrics_and_grpc_health_then_stops(
    parts: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    spec = make_spec(parts)
    settings = config.load(spec, live_environment(spec, request))
    seen: list[Resources] = []

    def register(server: grpc.aio.Server, resources: Resources) -> Sequence[str]:
        del server
        seen.append(resources)
        for part in PARTS:
            if part not in parts:
                with pytest.raises(UndeclaredPart):
                    getattr(resources, {"buckets": "s3"}.get(part, part))
        return (SERVICE,)

    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, register, stop=stop))
    http, grpc_port = settings.core.http_port, settings.core.grpc_port

    async def up() -> bool:
        status = await asyncio.to_thread(
            lambda: get(http, "/healthz")[0] if _listening(http) else 0
        )
        return status == 200

    await wait_for(up, "/healthz")
    status, body = await asyncio.to_thread(get, http, "/readyz")
    assert (status, json.loads(body)["failed"]) == (200, [])
    serving = health_pb2.HealthCheckResponse.SERVING
    assert await health(grpc_port) == serving
    assert await health(grpc_port, SERVICE) == serving
    metrics = (await asyncio.to_thread(get, http, "/metrics"))[1]
    up = [line for line in metrics.splitlines() if line.startswith("avion_dependency_up{")]
    for part in parts:
        (line,) = [line for line in up if f'dependency="{part}"' in line]
        assert 'service="demo-svc"' in line
        assert line.endswith(" 1.0")
    assert len(up) == len(parts)
    assert len(seen) == 1
    stop.set()
    await asyncio.wait_for(task, 30)
    assert not _listening(http)


@pytest.mark.anyio
async def test_grpc_health_follows_readiness(request: pytest.FixtureRequest) -> None:
    spec = make_spec(("search",))
    stub = request.getfixturevalue("stub_http")
    stub.search_status = "degraded"
    settings = config.load(spec, live_environment(spec, request))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, lambda server, resources: (), stop=stop))
    port = settings.core.grpc_port

    def status_is(wanted: int) -> object:
        async def check() -> bool:
            try:
                return await health(port) == wanted
            except grpc.aio.AioRpcError:
                return False

        return check

    try:
        await wait_for(status_is(health_pb2.HealthCheckResponse.NOT_SERVING), "NOT_SERVING")
        stub.search_status = "available"
        await wait_for(status_is(health_pb2.HealthCheckResponse.SERVING), "SERVING")
        stub.search_status = "degraded"
        await wait_for(status_is(health_pb2.HealthCheckResponse.NOT_SERVING), "NOT_SERVING again")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.mark.anyio
async def test_a_taken_http_port_is_a_startup_error(request: pytest.FixtureRequest) -> None:
    spec = make_spec(())
    settings = config.load(spec, live_environment(spec, request))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", settings.core.http_port))
        taken.listen()
        with pytest.raises(StartupError, match=r"cannot listen for HTTP on 127\.0\.0\.1:\d+"):
            await serve(settings, lambda server, resources: (), stop=asyncio.Event())


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
