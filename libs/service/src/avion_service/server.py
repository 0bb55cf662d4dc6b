"""Runs a service until SIGTERM: gRPC (health, reflection, the team's API) and the HTTP probes.

Startup opens the connections, checks readiness once and starts both servers; gRPC health is
SERVING only while every dependency answers (re-checked every READINESS_INTERVAL_SECONDS). On
SIGTERM or SIGINT, health turns NOT_SERVING, both servers stop accepting work and give calls in
flight SHUTDOWN_GRACE_SECONDS, then the connections close. The process lifecycle (signals, the
order of shutdown) lives here; :class:`avion_grpc.GrpcServer` is the gRPC server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence

import grpc
import prometheus_client
import uvicorn
from avion_grpc import GrpcServer, default_interceptors
from avion_logging import configure_logging, get_logger
from avion_telemetry import Telemetry, setup_telemetry
from grpc_health.v1 import health_pb2
from opentelemetry.metrics import CallbackOptions, Observation

from avion_service.http import ASGIApp, build_app
from avion_service.readiness import Readiness
from avion_service.resources import Resources
from avion_service.settings import Settings

# The team's API hook: add servicers to the server; return their full service names.
Register = Callable[[grpc.aio.Server, Resources], Sequence[str]]


class StartupError(Exception):
    """The service cannot start (a port is taken...); the message says why."""


class _HttpServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The service handles SIGTERM itself, stopping HTTP and gRPC together.
        yield


async def serve(
    settings: Settings, register: Register, *, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set, or (when no event is given) until SIGTERM or SIGINT."""
    spec, core = settings.spec, settings.core
    configure_logging(settings.logging_settings())
    log = get_logger(spec.package)
    telemetry = setup_telemetry(settings.telemetry)
    telemetry.install_global()
    resources = Resources(settings)
    readiness = Readiness(resources.probes(), timeout=core.readiness_timeout_seconds)
    _observe_readiness(telemetry, readiness, settings)
    grpc_server = GrpcServer(
        address=_address(core.host, core.grpc_port),
        interceptors=default_interceptors(tracer_provider=telemetry.tracer_provider),
        grace=core.shutdown_grace_seconds,
    )
    grpc_server.services = tuple(register(grpc_server.server, resources))
    http = _HttpServer(
        uvicorn.Config(
            build_app(readiness, _metrics_app(telemetry)),
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=max(1, round(core.shutdown_grace_seconds)),
        )
    )
    stop = stop or _stop_on_signals()
    http_socket = _bind(core.host, core.http_port)
    tasks: list[asyncio.Task[None]] = []
    try:
        await resources.open()
        first = await readiness.check()
        try:
            await grpc_server.start()
        except RuntimeError as exc:
            raise StartupError(f"cannot listen for gRPC on {grpc_server.address}: {exc}") from None
        await _set_health(grpc_server, serving=first.ready)
        tasks.append(asyncio.create_task(http.serve(sockets=[http_socket])))
        tasks.append(asyncio.create_task(_watch(readiness, grpc_server, settings, first.ready)))
        log.info(
            "service.started",
            http_port=http_socket.getsockname()[1],
            grpc_port=grpc_server.port,
            grpc_services=list(grpc_server.services),
            ready=first.ready,
            failed=list(first.failed),
        )
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, tasks[0]], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
    finally:
        log.info("service.stopping")
        for task in tasks[1:]:
            task.cancel()
        http.should_exit = True
        if grpc_server.port is not None:
            await grpc_server.stop()
        if tasks:
            await asyncio.gather(tasks[0], return_exceptions=True)
        http_socket.close()
        await resources.close()
        telemetry.shutdown()
        log.info("service.stopped")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(
            f"cannot listen for HTTP on {_address(host, port)}: {exc.strerror}"
        ) from None
    return sock


async def _set_health(server: GrpcServer, *, serving: bool) -> None:
    status = (
        health_pb2.HealthCheckResponse.SERVING
        if serving
        else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for name in ("", *server.services):
        await server.health.set(name, status)


async def _watch(
    readiness: Readiness, server: GrpcServer, settings: Settings, serving: bool
) -> None:
    """Re-check readiness periodically; gRPC health follows it, and each change is logged."""
    log = get_logger(settings.spec.package)
    while True:
        await asyncio.sleep(settings.core.readiness_interval_seconds)
        report = await readiness.check()
        if report.ready != serving:
            serving = report.ready
            await _set_health(server, serving=serving)
            if serving:
                log.info("service.ready")
            else:
                log.warning("service.not_ready", failed=list(report.failed))


def _metrics_app(telemetry: Telemetry) -> ASGIApp | None:
    registry = telemetry.metrics_registry
    if registry is None:
        return None
    prometheus_client.ProcessCollector(registry=registry)
    app: ASGIApp = telemetry.metrics_asgi_app()
    return app


def _observe_readiness(telemetry: Telemetry, readiness: Readiness, settings: Settings) -> None:
    """``avion_dependency_up{dependency=...}``: 1 when it answered the latest readiness check."""
    service = settings.spec.name

    def observe(_options: CallbackOptions) -> Iterable[Observation]:
        report = readiness.last
        if report is None:
            return []
        return [
            Observation(1 if result.ok else 0, {"dependency": result.name, "service": service})
            for result in report.results
        ]

    telemetry.meter(settings.spec.package).create_observable_gauge(
        "avion.dependency.up",
        callbacks=[observe],
        description="1 when the dependency answered the latest readiness check, else 0",
    )


__all__ = ["Register", "StartupError", "serve"]
