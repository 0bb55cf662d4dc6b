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
# The local trace receiver (avion_telemetry.receiver) inv run starts beside the services, on
# 4317 (OTLP/gRPC's port) or $AVION_OTLP_PORT.
OTLP_PORT = 4317


def otlp_port() -> int:
    value = os.environ.get("AVION_OTLP_PORT", "")
    if not value:
        return OTLP_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise AvionError(
            f"AVION_OTLP_PORT={value!r} is not a port", hint="unset it, or give 1-65535"
        )
    return int(value)


TRACES_FILE = Path(".avion") / "traces" / "spans.jsonl"


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
        secrets["buckets.access_key"] = localenv.S3_ROOT_ACCESS_KEY
        secrets["buckets.secret_key"] = localenv.S3_ROOT_SECRET_KEY
    if service.search:
        values["search.url"] = f"http://{host}:{platform.search.local_port}"
        secrets["search.api_key"] = "MEILI_MASTER_KEY"  # pragma: allowlist secret
    missing = sorted({source for source in secrets.values() if source not in credentials})
    if missing:
        raise AvionError(
            f"{service.name}: the local credentials lack {', '.join(missing)}",
            hint="run `inv setup` to complete .env (existing values are kept)"
            + localenv.rename_note(credentials, missing),
        )
    names = {var.key: var.env for var in variables(service_spec(service))}
    env = {names[key]: value for key, value in values.items()}
    env |= {names[key]: credentials[source] for key, source in secrets.items()}
    # OpenTelemetry's own variables (read by the SDK): spans to the local receiver, in plaintext.
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://{host}:{otlp_port()}"
    env["OTEL_EXPORTER_OTLP_INSECURE"] = "true"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def serve_argv(env: ServicesEnv, service: Service) -> list[str]:
    return [str(env.python), "-m", service.package, "serve"]


def start_trace_receiver(root: Path, env: ServicesEnv) -> subprocess.Popen[bytes] | None:
    """Start the local OTLP receiver unless something already listens on its port.

    Spans go to ``.avion/traces/spans.jsonl``. ``None``: another receiver (a second ``inv run``,
    or the developer's own collector) already listens there and gets the spans.
    """
    from avion_workspace.infra.ports import port_is_free
    from avion_workspace.infra.probes import Retry, wait_until

    port = otlp_port()
    if not port_is_free(port, LOCALHOST):
        print(f"traces: to the OTLP receiver already on {LOCALHOST}:{port}", file=sys.stderr)
        return None
    argv = [str(env.python), "-m", "avion_telemetry.receiver", "--port", str(port)]
    receiver = subprocess.Popen(
        [*argv, "--out", str(root / TRACES_FILE)], cwd=root, stdout=subprocess.DEVNULL
    )

    def listening() -> None:
        if receiver.poll() is not None:
            raise AvionError(f"the trace receiver exited with status {receiver.returncode}")
        if port_is_free(port, LOCALHOST):
            raise ConnectionError("not listening yet")

    wait_until("trace receiver", listening, retry=Retry(timeout=30.0))
    print(f"traces: {TRACES_FILE} (OTLP/gRPC on {LOCALHOST}:{port})", file=sys.stderr)
    return receiver


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
    own_collector = "OTEL_EXPORTER_OTLP_ENDPOINT" in os.environ  # the developer's choice wins
    receiver = None if own_collector else start_trace_receiver(root, env)
    try:
        for service in services:
            service_env = {**os.environ, **environments[service.name]}
            if own_collector:
                service_env["OTEL_EXPORTER_OTLP_ENDPOINT"] = os.environ[
                    "OTEL_EXPORTER_OTLP_ENDPOINT"
                ]
            process = subprocess.Popen(
                serve_argv(env, service),
                cwd=root / service_dir(service.name),
                env=service_env,
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
        if receiver is not None:
            receiver.terminate()
            receiver.wait(timeout=STOP_TIMEOUT)
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
