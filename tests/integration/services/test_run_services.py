"""``inv run``'s supervisor for real: services started, stopped together on SIGTERM, and a
service that dies stops the others and says which one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from avion_workspace.infra.ports import free_port, port_is_free
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.services.pyenv import ServicesEnv

from .conftest import DB_PASSWORD, ROOT, RedisServer
from .test_service_live import GRPC_PROBE, eventually, grpc_probe, http_get

pytestmark = pytest.mark.integration

DRIVER = """
import json, sys
from dataclasses import replace
from pathlib import Path
from avion_workspace.boundary import guarded
from avion_workspace.config import load_platform
from avion_workspace.services.localrun import run_services
from avion_workspace.services.pyenv import ServicesEnv

spec = json.loads(sys.argv[1])
platform = load_platform(Path(spec["config"]))
services = {**platform.services}
for name, (http, grpc) in spec["ports"].items():
    services[name] = replace(services[name], local_http_port=http, local_grpc_port=grpc)
platform = replace(
    platform,
    postgres=replace(platform.postgres, local_port=spec["postgres"]),
    redis=replace(platform.redis, local_port=spec["redis"]),
    services=services,
)
chosen = tuple(services[name] for name in spec["ports"])
guarded(lambda: run_services(Path(spec["root"]), platform, chosen, ServicesEnv(Path(spec["env"]))))
"""


def start_driver(
    tmp_path: Path,
    env: ServicesEnv,
    ports: dict[str, tuple[int, int]],
    postgres: int,
    redis: int,
    credentials: dict[str, str],
) -> subprocess.Popen[str]:
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "services").symlink_to(ROOT / "services")
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in credentials.items()))
    spec = {
        "root": str(root),
        "config": str(ROOT / "config"),
        "env": str(env.path),
        "ports": ports,
        "postgres": postgres,
        "redis": redis,
    }
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "AUTH_LOG_FORMAT": "json",
            "USER_LOG_FORMAT": "json",
            "AVION_OTLP_PORT": str(free_port()),  # never the machine's 4317
        },
    )


def test_run_starts_a_service_ready_and_stops_it_on_sigterm(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    http, grpc = free_port(), free_port()
    credentials = {
        "AVION_AUTH_DB_PASSWORD": DB_PASSWORD,
        "AVION_AUTH_REDIS_PASSWORD": redis_server.password,
    }
    driver = start_driver(
        tmp_path,
        services_env,
        {"auth": (http, grpc)},
        postgres_server.port,
        redis_server.port,
        credentials,
    )
    try:
        assert eventually(lambda: http_get(http, "/readyz")[0] == 200, "auth ready under inv run")
        probe = tmp_path / "probe.py"
        probe.write_text(GRPC_PROBE)
        assert grpc_probe(services_env, grpc, probe)["health"] == "SERVING"
        driver.send_signal(signal.SIGTERM)
        _, err = driver.communicate(timeout=60)
        assert driver.returncode == 0, err
        assert port_is_free(http)
        assert port_is_free(grpc)
        # The gRPC call's span reached the local receiver inv run started (flushed on stop).
        spans = tmp_path / "workspace" / ".avion" / "traces" / "spans.jsonl"
        records = [json.loads(line) for line in spans.read_text().splitlines()]
        assert any(
            r["service"] == "auth" and r["name"] == "grpc.health.v1.Health/Check" for r in records
        ), records
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()


def test_a_service_that_dies_stops_the_others_and_is_named(
    services_env: ServicesEnv, tmp_path: Path
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    auth_http = taken.getsockname()[1]
    user_http = free_port()
    credentials = dict.fromkeys(
        (
            "AVION_AUTH_DB_PASSWORD",
            "AVION_AUTH_REDIS_PASSWORD",
            "AVION_USER_DB_PASSWORD",
            "AVION_USER_REDIS_PASSWORD",
        ),
        "unused",
    )
    driver = start_driver(
        tmp_path,
        services_env,
        {"user": (user_http, free_port()), "auth": (auth_http, free_port())},
        free_port(),
        free_port(),
        credentials,
    )
    try:
        out, err = driver.communicate(timeout=120)
    finally:
        taken.close()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    assert driver.returncode == 1, out + err
    assert "error: auth exited with status 1" in err
    assert f"auth | auth: cannot listen for HTTP on 127.0.0.1:{auth_http}" in out
    assert port_is_free(user_http)
