"""``inv run``: services in the foreground against the local stack, with the .env credentials.

:func:`local_env` (pure) says what a service gets: its ``<PREFIX>_*`` settings pointing at the
local stack's ports, as its own database role and Redis ACL user. :func:`run_services` starts one
service, or several with their output prefixed by name, and stops them all on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from avion_service.settings import variables

from avion_workspace import localenv
from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.render.services import redis_user, service_dir, service_spec
from avion_workspace.services.pyenv import ServicesEnv

LOCALHOST = "127.0.0.1"
STOP_TIMEOUT = 30.0


def local_env(
    platform: Platform, service: Service, credentials: Mapping[str, str], *, host: str = LOCALHOST
) -> dict[str, str]:
    """The environment ``service`` runs with locally; names missing credentials, if any.

    Values are set by their place in the service kit's settings; the variable names come from the
    kit (``avion_service.settings.variables``), as the charts' do.
    """
    values: dict[str, str] = {
        "core.environment": platform.environment.name,
        "core.host": host,
        "core.http_port": str(service.local_http_port),
        "core.grpc_port": str(service.local_grpc_port),
        "core.log_format": "console",
        "telemetry.service_name": service.name,
        "telemetry.environment": platform.environment.name,
    }
    secrets: dict[str, str] = {}  # place -> the .env variable holding the value
    if service.database is not None:
        values |= {
            "database.host": host,
            "database.port": str(platform.postgres.local_port),
            "database.name": service.database,
            "database.user": service.database_owner or "",
        }
        secrets["database.password"] = localenv.database_password_var(service.database)
    if service.redis_namespaces:
        user = redis_user(service)
        password_var = next(
            u.password_var for u in localenv.redis_users(platform) if u.name == user
        )
        values |= {
            "redis.host": host,
            "redis.port": str(platform.redis.local_port),
            "redis.user": user,
        }
        secrets["redis.password"] = password_var
    if service.buckets:
        values["buckets.endpoint"] = f"http://{host}:{platform.object_storage.local_port}"
        secrets["buckets.access_key"] = "MINIO_ROOT_USER"
        secrets["buckets.secret_key"] = "MINIO_ROOT_PASSWORD"  # pragma: allowlist secret
    if service.search:
        values["search.url"] = f"http://{host}:{platform.search.local_port}"
        secrets["search.api_key"] = "MEILI_MASTER_KEY"  # pragma: allowlist secret
    missing = sorted({source for source in secrets.values() if source not in credentials})
    if missing:
        raise AvionError(
            f"{service.name}: the local credentials lack {', '.join(missing)}",
            hint="run `inv setup` to complete .env (existing values are kept)",
        )
    names = {var.key: var.env for var in variables(service_spec(service))}
    env = {names[key]: value for key, value in values.items()}
    env |= {names[key]: credentials[source] for key, source in secrets.items()}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def serve_argv(env: ServicesEnv, service: Service) -> list[str]:
    return [str(env.python), "-m", service.package, "serve"]


def _pump(name: str, width: int, stream: object, lock: threading.Lock) -> None:
    assert hasattr(stream, "readline")
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with lock:
            print(f"{name:<{width}} | {line}", flush=True)


def run_services(
    root: Path, platform: Platform, services: Sequence[Service], env: ServicesEnv
) -> None:
    """Run ``services`` until Ctrl-C or SIGTERM; a service that exits on its own stops the rest."""
    credentials = localenv.read_env(root)
    environments = {s.name: local_env(platform, s, credentials) for s in services}
    prefixed = len(services) > 1
    width = max(len(s.name) for s in services)
    lock = threading.Lock()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    pumps: list[threading.Thread] = []

    def stop_all(signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop_all)
    try:
        for service in services:
            process = subprocess.Popen(
                serve_argv(env, service),
                cwd=root / service_dir(service.name),
                env={**os.environ, **environments[service.name]},
                stdout=subprocess.PIPE if prefixed else None,
                stderr=subprocess.STDOUT if prefixed else None,
            )
            processes[service.name] = process
            if prefixed:
                pump = threading.Thread(
                    target=_pump, args=(service.name, width, process.stdout, lock), daemon=True
                )
                pump.start()
                pumps.append(pump)
            print(
                f"{service.name}: http://{LOCALHOST}:{service.local_http_port}/readyz, "
                f"gRPC {LOCALHOST}:{service.local_grpc_port}",
                file=sys.stderr,
                flush=True,
            )
        exited = _wait_first(processes)
    except KeyboardInterrupt:
        exited = None  # Ctrl-C reached the services too: they are stopping
    finally:
        stop_all()
        _wait_all(processes, STOP_TIMEOUT)
        for pump in pumps:
            pump.join(timeout=2)
        signal.signal(signal.SIGTERM, previous)
    if exited is not None:
        name, code = exited
        if code != 0:
            raise AvionError(
                f"{name} exited with status {code}",
                hint="its output above says why (a port in use, a setting missing, ...)",
            )


def _wait_first(processes: Mapping[str, subprocess.Popen[bytes]]) -> tuple[str, int]:
    while True:
        for name, process in processes.items():
            code = process.poll()
            if code is not None:
                return name, code
        time.sleep(0.2)


def _wait_all(processes: Mapping[str, subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
