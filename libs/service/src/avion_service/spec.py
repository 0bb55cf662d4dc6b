"""What a service is, as plain data: the one thing the workspace generates per service.

A service's ``spec.py`` holds a :class:`ServiceSpec` literal; everything else (settings,
connections, probes, servers, migrations) follows from it in this library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")


class SpecError(ValueError):
    """A spec that cannot describe a service (a malformed name, a part without its data)."""


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its names, ports, and the parts it uses (database, Redis, buckets, search).

    ``database`` and ``database_owner`` come together; ``redis_namespaces`` non-empty means the
    service uses Redis as ``redis_user``; ``buckets`` non-empty means object storage.
    """

    name: str
    package: str
    description: str = ""
    http_port: int = 8080
    grpc_port: int = 9090
    database: str | None = None
    database_owner: str | None = None
    redis_namespaces: tuple[str, ...] = ()
    redis_user: str | None = None
    buckets: tuple[str, ...] = ()
    search: bool = False

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise SpecError(f"service name {self.name!r} must be lower-kebab-case")
        if not _PACKAGE.fullmatch(self.package):
            raise SpecError(f"package {self.package!r} is not a Python package name")
        for port in (self.http_port, self.grpc_port):
            if not 1 <= port <= 65535:
                raise SpecError(f"{self.name}: port {port} is out of range")
        if (self.database is None) != (self.database_owner is None):
            raise SpecError(f"{self.name}: database and database_owner come together")
        if bool(self.redis_namespaces) != (self.redis_user is not None):
            raise SpecError(f"{self.name}: redis_namespaces and redis_user come together")

    @property
    def env_prefix(self) -> str:
        """The settings' variable prefix, with its underscore: ``system-admin`` → ``SYSTEM_ADMIN_``."""
        return self.name.replace("-", "_").upper() + "_"

    @property
    def parts(self) -> tuple[str, ...]:
        """The optional parts the service declares, in readiness order."""
        declared = (
            ("database", self.database is not None),
            ("redis", bool(self.redis_namespaces)),
            ("buckets", bool(self.buckets)),
            ("search", self.search),
        )
        return tuple(name for name, used in declared if used)
