"""The auth service for real: started as ``inv run`` starts it, against real PostgreSQL and Redis.

Its health is asked over the network: HTTP /healthz, /readyz and /metrics, gRPC health and
reflection from a separate client process, and the ``health`` subcommand the container's
HEALTHCHECK runs. Redis is stopped and started again to see readiness follow it.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform, Service
from avion_workspace.infra.ports import free_port
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.render import render
from avion_workspace.services.config_edit import NewService
from avion_workspace.services.localrun import local_env, serve_argv
from avion_workspace.services.new import new_service
from avion_workspace.services.pyenv import ServicesEnv

from .conftest import DB_PASSWORD, ROOT, RedisServer

pytestmark = pytest.mark.integration

# Run by the services' Python: a gRPC client in its own process, as a peer would be.
GRPC_PROBE = """
import json, sys
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

with grpc.insecure_channel(sys.argv[1]) as channel:
    grpc.channel_ready_future(channel).result(timeout=10)
    request = health_pb2.HealthCheckRequest(service="")
    status = health_pb2_grpc.HealthStub(channel).Check(request, timeout=5).status
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    asks = iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    answers = reflection.ServerReflectionInfo(asks, timeout=5)
    names = [s.name for answer in answers for s in answer.list_services_response.service]
print(json.dumps({"health": health_pb2.HealthCheckResponse.ServingStatus.Name(status),
                  "services": names}))
"""


def http_get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns a truthy value (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, ValueError) as exc:
            result, last = None, exc
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def grpc_probe(env: ServicesEnv, port: int, script: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(env.python), str(script), f"127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def auth_on(platform: Platform, postgres: PostgresServer, redis: RedisServer) -> Platform:
    """The local platform with the test servers' ports and free ports for auth."""
    service = replace(
        platform.services["auth"], local_http_port=free_port(), local_grpc_port=free_port()
    )
    return replace(
        platform,
        postgres=replace(platform.postgres, local_port=postgres.port),
        redis=replace(platform.redis, local_port=redis.port),
        services={**platform.services, "auth": service},
    )


def service_env(platform: Platform, service: Service, redis: RedisServer) -> dict[str, str]:
    credentials = {
        "AVION_AUTH_DB_PASSWORD": DB_PASSWORD,
        "AVION_AUTH_REDIS_PASSWORD": redis.password,
    }
    return {
        **os.environ,
        **local_env(platform, service, credentials),
        "AUTH_LOG_FORMAT": "json",
        "AUTH_READINESS_INTERVAL_SECONDS": "0.3",
        "AUTH_READINESS_TIMEOUT_SECONDS": "1",
        "AUTH_SHUTDOWN_GRACE_SECONDS": "2",
    }


def test_auth_answers_health_checks_and_follows_its_dependencies(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    platform = auth_on(load_platform(ROOT / "config"), postgres_server, redis_server)
    service = platform.services["auth"]
    env = service_env(platform, service, redis_server)
    probe = tmp_path / "grpc_probe.py"
    probe.write_text(GRPC_PROBE, encoding="utf-8")
    log = tmp_path / "auth.log"
    http_port, grpc_port = service.local_http_port, service.local_grpc_port
    with open(log, "wb") as out:
        process = subprocess.Popen(
            serve_argv(services_env, service),
            cwd=ROOT / "services" / "auth",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert eventually(lambda: http_get(http_port, "/healthz")[0] == 200, "/healthz")
        ready = eventually(lambda: http_get(http_port, "/readyz"), "/readyz")
        report = json.loads(ready[1])
        assert ready[0] == 200, report
        assert report["status"] == "ready"
        assert sorted(report["checks"]) == ["database", "redis"]

        grpc = grpc_probe(services_env, grpc_port, probe)
        assert grpc["health"] == "SERVING"
        assert "grpc.health.v1.Health" in grpc["services"]
        assert "grpc.reflection.v1alpha.ServerReflection" in grpc["services"]

        status, metrics = http_get(http_port, "/metrics")
        assert status == 200
        up = [line for line in metrics.splitlines() if line.startswith("avion_dependency_up{")]
        assert any('dependency="redis"' in line and line.endswith(" 1.0") for line in up), up

        health = subprocess.run(
            [str(services_env.python), "-m", "avion_auth", "health"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert health.returncode == 0, health.stdout + health.stderr

        redis_server.stop()
        status, body = eventually(
            lambda: (lambda answer: answer if answer[0] == 503 else None)(
                http_get(http_port, "/readyz")
            ),
            "/readyz to answer 503 with Redis stopped",
        )
        report = json.loads(body)
        assert report["failed"] == ["redis"]
        assert report["checks"]["database"]["ok"] is True
        assert eventually(
            lambda: grpc_probe(services_env, grpc_port, probe)["health"] == "NOT_SERVING",
            "gRPC health NOT_SERVING with Redis stopped",
        )
        assert http_get(http_port, "/healthz")[0] == 200  # alive, only not ready

        redis_server.start()
        assert eventually(lambda: http_get(http_port, "/readyz")[0] == 200, "ready again")
        assert eventually(
            lambda: grpc_probe(services_env, grpc_port, probe)["health"] == "SERVING",
            "gRPC health SERVING again",
        )

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    events = [
        json.loads(line).get("event")
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    assert "service.started" in events
    assert "service.not_ready" in events
    assert "service.ready" in events
    assert events[-1] == "service.stopped", log.read_text()


def test_auth_migrate_applies_its_migrations_as_the_owner_role(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    redis_server: RedisServer,
) -> None:
    platform = auth_on(load_platform(ROOT / "config"), postgres_server, redis_server)
    env = service_env(platform, platform.services["auth"], redis_server)
    files = sorted(p.name for p in (ROOT / "services/auth/migrations").glob("*.sql"))
    assert files, "services/auth/migrations has no migrations to apply"

    def migrate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(services_env.python), "-m", "avion_auth", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    first = migrate()
    assert first.returncode == 0, first.stderr
    assert f"applied {len(files)} migration(s) to avion_auth_db" in first.stdout
    second = migrate()
    assert second.returncode == 0, second.stderr
    assert "avion_auth_db is up to date" in second.stdout
    with psycopg.connect(postgres_server.dsn("avion_auth_db")) as conn:
        owner = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'goose_db_version'"
        ).fetchone()
    assert owner == ("avion_auth",)


def test_a_new_service_runs_on_the_kit_as_rendered(
    services_env: ServicesEnv, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """`inv service.new` then the service's own `serve`: /healthz 200, ready, gRPC SERVING."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copy(ROOT / "tasks.py", workspace / "tasks.py")
    shutil.copytree(ROOT / "config", workspace / "config")
    render(workspace, workspace / "config")
    new_service(workspace, NewService("direct-message", "Private messages", redis=()))
    platform = load_platform(workspace / "config")
    service = replace(
        platform.services["direct-message"],
        local_http_port=free_port(),
        local_grpc_port=free_port(),
    )
    platform = replace(
        platform, postgres=replace(platform.postgres, local_port=postgres_server.port)
    )
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS avion_direct_message_db WITH (FORCE)")
        conn.execute("DROP ROLE IF EXISTS avion_direct_message")
        conn.execute(f"CREATE ROLE avion_direct_message LOGIN PASSWORD '{DB_PASSWORD}'")
    postgres_server.create_database("avion_direct_message_db", owner="avion_direct_message")
    folder = workspace / "services" / "direct-message"
    env = {
        **os.environ,
        **local_env(platform, service, {"AVION_DIRECT_MESSAGE_DB_PASSWORD": DB_PASSWORD}),
        "PYTHONPATH": str(folder / "src"),  # the services' environment has the kit, not this one
    }
    probe = tmp_path / "grpc_probe.py"
    probe.write_text(GRPC_PROBE, encoding="utf-8")
    python = str(services_env.python)
    migrated = subprocess.run(
        [python, "-m", "avion_direct_message", "migrate"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    assert "avion_direct_message_db is up to date (version 0)" in migrated.stdout
    process = subprocess.Popen(
        [python, "-m", "avion_direct_message", "serve"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port = service.local_http_port
        assert eventually(lambda: http_get(port, "/healthz")[0] == 200, "/healthz")
        assert eventually(lambda: http_get(port, "/readyz")[0] == 200, "/readyz")
        grpc = grpc_probe(services_env, service.local_grpc_port, probe)
        assert grpc["health"] == "SERVING"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        postgres_server.drop_database("avion_direct_message_db")
