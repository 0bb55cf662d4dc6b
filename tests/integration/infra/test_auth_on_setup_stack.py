"""The auth reference service end to end on the local stack that ``inv setup`` brings up.

tests/integration/services/test_auth_api.py runs auth on servers of its own; here the servers are
the ones ``inv setup`` started in a copy of the workspace (conftest.py's ``stack``: every
component and service on a free port), and auth starts as ``inv run --service auth`` starts it
there: ``local_env`` with the credentials ``inv setup`` wrote to that workspace's ``.env``, the
tables its migrations created, the local trace receiver beside it. The client is the one of
test_auth_api.py (generated stubs, avion-grpc's client interceptors); the database row and the
session key are then read with the stack's admin credentials.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import psycopg
import pytest
import redis
from avion_telemetry.testing import capture_telemetry
from grpc_health.v1 import health_pb2, health_pb2_grpc

from avion_workspace import localenv
from avion_workspace.config import load_platform
from avion_workspace.infra.cli import Workspace
from avion_workspace.infra.ports import free_port
from avion_workspace.infra.stack import Endpoints, admin_dsn
from avion_workspace.render.services import service_dir
from avion_workspace.services.localrun import local_env, serve_argv, start_trace_receiver
from avion_workspace.services.pyenv import ServicesEnv
from tests.integration.services.test_auth_api import PASSWORD, conversation
from tests.integration.services.test_service_live import GRPC_PROBE, eventually, grpc_probe

from .conftest import ROOT

pytestmark = pytest.mark.integration


def health_status(port: int) -> str:
    """The server's overall gRPC health, or ``UNREACHABLE`` while it cannot answer."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=5
            )
        except grpc.RpcError:
            return "UNREACHABLE"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as Ctrl-C on ``inv run`` sends; killed only when it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def test_auth_serves_requests_on_the_stack_inv_setup_brought_up(
    stack: Any,
    services_env: ServicesEnv,
    auth_stubs: tuple[ModuleType, ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    auth_pb2, auth_pb2_grpc = auth_stubs
    platform = Workspace.load(root=stack.root).platform
    service = platform.services["auth"]
    default = load_platform(ROOT / "config").services["auth"]
    assert service.local_grpc_port != default.local_grpc_port  # the overlay moved auth too
    assert service.local_http_port != default.local_http_port
    # inv run's own trace receiver (no collector of the developer's), on a free port
    monkeypatch.setenv("AVION_OTLP_PORT", str(free_port()))
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    env = {**os.environ, **local_env(platform, service, localenv.read_env(stack.root))}
    log = tmp_path / "auth.log"
    receiver = start_trace_receiver(stack.root, services_env)
    assert receiver is not None  # the port was free: this receiver is ours
    try:
        with open(log, "wb") as out:
            process = subprocess.Popen(
                serve_argv(services_env, service),
                cwd=stack.root / service_dir(service.name),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:

            def serving() -> bool:
                assert process.poll() is None, f"auth exited early:\n{log.read_text()}"
                return health_status(service.local_grpc_port) == "SERVING"

            eventually(serving, "auth's gRPC health to be SERVING", timeout=120)
            probe = tmp_path / "grpc_probe.py"
            probe.write_text(GRPC_PROBE, encoding="utf-8")
            listed = grpc_probe(services_env, service.local_grpc_port, probe)
            assert listed["health"] == "SERVING"
            assert "avion.auth.v1.AuthService" in listed["services"]

            with capture_telemetry("e2e-client") as telemetry:
                answers = asyncio.run(
                    conversation(auth_pb2, auth_pb2_grpc, service.local_grpc_port, telemetry)
                )
        finally:
            code = stop(process)
        assert code == 0, log.read_text()
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)

    user_id, token = answers["user_id"], answers["token"]
    assert answers["duplicate"] == "ALREADY_EXISTS"
    assert answers["wrong_password"] == ("UNAUTHENTICATED", "wrong email or password")
    assert answers["unknown_email"] == answers["wrong_password"]
    assert answers["user"] == (user_id, "ada@example.com", "ada")
    code_name, violations = answers["short_password"]
    assert code_name == "INVALID_ARGUMENT"
    assert set(violations) == {"password"}
    assert PASSWORD not in log.read_text()

    # The users row in avion_auth_db, read as the stack's superuser: an argon2 hash, not the password.
    endpoints = Endpoints.of(platform)
    with psycopg.connect(admin_dsn(stack.credentials(), endpoints, "avion_auth_db")) as conn:
        row = conn.execute(
            "SELECT email, username, password_hash FROM users WHERE id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    email, username, password_hash = row
    assert (email, username) == ("ada@example.com", "ada")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash

    # The session under session:<sha256 of the token>, with a TTL, read as the stack's admin.
    client = redis.Redis.from_url(stack.status()["components"]["redis"]["url"])
    try:
        key = "session:" + hashlib.sha256(token.encode()).hexdigest()
        assert int(client.ttl(key)) > 0  # type: ignore[arg-type]
        assert json.loads(client.get(key))["user_id"] == user_id  # type: ignore[arg-type]
    finally:
        client.close()
