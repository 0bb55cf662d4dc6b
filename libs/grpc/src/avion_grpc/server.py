"""GrpcServer: a grpc.aio server with health, reflection and graceful stop built in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

HEALTH_SERVICE_NAME: str = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
DEFAULT_ADDRESS = "[::]:9090"


class GrpcServer:
    """Owns a ``grpc.aio`` server plus the standard health service and (optional) reflection.

    Register servicers on :attr:`server` before :meth:`start`, naming their full service names in
    ``services`` so health reports them and reflection lists them::

        server = GrpcServer(services=["avion.user.v1.UserService"], interceptors=...)
        user_pb2_grpc.add_UserServiceServicer_to_server(UserService(), server.server)
        await server.start()          # SERVING
        ...
        await server.stop()           # NOT_SERVING, drain, stop

    Signals and the order of a whole service's shutdown belong to the process, not to this
    server: ``avion_service`` runs it (with the HTTP probes) until SIGTERM.
    """

    def __init__(
        self,
        *,
        address: str = DEFAULT_ADDRESS,
        services: Iterable[str] = (),
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        reflection: bool = True,
        grace: float = 10.0,
        drain_seconds: float = 0.0,
        credentials: grpc.ServerCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.server = grpc.aio.server(interceptors=list(interceptors), options=list(options))
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.services = tuple(services)
        self.address = address
        self.grace = grace
        self.drain_seconds = drain_seconds
        self._reflection = reflection
        self._credentials = credentials
        self.port: int | None = None

    async def start(self) -> int:
        """Bind, start serving and report SERVING; returns the bound port (useful with ``:0``)."""
        if self.port is not None:
            raise RuntimeError("the server is already started")
        if self._reflection:
            names = (*self.services, HEALTH_SERVICE_NAME, reflection.SERVICE_NAME)
            reflection.enable_server_reflection(names, self.server)
        if self._credentials is None:
            port = self.server.add_insecure_port(self.address)
        else:
            port = self.server.add_secure_port(self.address, self._credentials)
        await self.server.start()
        for name in ("", *self.services):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.port = port
        return port

    async def stop(self, grace: float | None = None) -> None:
        """Report NOT_SERVING, wait ``drain_seconds`` for load balancers to notice, then stop.

        Calls in flight get ``grace`` seconds (default: the constructor's) to finish; new calls
        are refused as soon as the stop begins.
        """
        await self.health.enter_graceful_shutdown()
        if self.drain_seconds > 0:
            await asyncio.sleep(self.drain_seconds)
        await self.server.stop(self.grace if grace is None else grace)
