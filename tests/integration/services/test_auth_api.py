"""The auth API end to end: the service as ``inv run`` starts it, on real PostgreSQL and Redis.

A gRPC client in this process (the client interceptors of avion-grpc, a tracer of its own) signs
up, logs in and reads back; the database row, the Redis key and the server's JSON log are then
checked directly. Servers run on free ports in temp dirs (fixtures in conftest.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import psycopg
import pytest
import redis
from avion_grpc import bad_request_violations, client_interceptors
from avion_logging.testing import capture_logs
from avion_telemetry.testing import capture_telemetry
from psycopg.conninfo import make_conninfo

from avion_workspace.config import load_platform
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.services.localrun import serve_argv
from avion_workspace.services.pyenv import ServicesEnv

from .conftest import ROOT, RedisServer
from .test_service_live import GRPC_PROBE, auth_on, eventually, grpc_probe, http_get, service_env

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"  # pragma: allowlist secret

# Two writers on one row, each in its own transaction, as two service replicas would be: run by
# the services' Python, which has avion_auth and its adapters.
CONCURRENT_WRITERS = """
import asyncio, json, sys, uuid
from datetime import UTC, datetime
from psycopg_pool import AsyncConnectionPool
from avion_errors import DomainError
from avion_auth.domain import User
from avion_auth.infrastructure import PostgresUnitOfWork

async def main(dsn):
    async with AsyncConnectionPool(dsn, min_size=2, max_size=2, open=False) as pool:
        user_id = uuid.uuid4()
        async with PostgresUnitOfWork(pool) as uow:
            await uow.users.add(User(user_id, email="race@example.com", username="racer",
                                     password_hash="$argon2id$stand-in", created_at=datetime.now(UTC)))
            await uow.commit()
        first, second = PostgresUnitOfWork(pool), PostgresUnitOfWork(pool)
        async with first, second:
            mine, theirs = await first.users.get(user_id), await second.users.get(user_id)
            mine.change_username("first_writer")
            theirs.change_username("second_writer")
            await first.users.add(mine)            # holds the row until first commits
            blocked = asyncio.create_task(second.users.add(theirs))
            await asyncio.sleep(0)                 # let the second UPDATE reach the row lock
            await first.commit()
            try:
                await blocked
                outcome = {"second": "stored"}
            except DomainError as error:
                outcome = {"second": error.code.name, "details": error.details}
        async with PostgresUnitOfWork(pool) as uow:
            stored = await uow.users.get(user_id)
        outcome.update(username=stored.username, version=stored.version, first=mine.version)
        print(json.dumps(outcome))

asyncio.run(main(sys.argv[1]))
"""


def migrate(services_env: ServicesEnv, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(services_env.python), "-m", "avion_auth", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_concurrent_writers_one_wins_the_other_gets_a_conflict(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    platform = auth_on(load_platform(ROOT / "config"), postgres_server, redis_server)
    env = service_env(platform, platform.services["auth"], redis_server)
    migrate(services_env, env)
    script = tmp_path / "writers.py"
    script.write_text(CONCURRENT_WRITERS)
    owner_dsn = make_conninfo(  # as the service connects: its own role
        host=env["AUTH_DATABASE_HOST"],
        port=env["AUTH_DATABASE_PORT"],
        dbname=env.get("AUTH_DATABASE_NAME", auth_database),
        user=env.get("AUTH_DATABASE_USER", "avion_auth"),
        password=env["AUTH_DATABASE_PASSWORD"],
    )
    result = subprocess.run(
        [str(services_env.python), str(script), owner_dsn],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["second"] == "CONFLICT"
    assert outcome["details"]["expected_version"] == 1
    assert outcome["details"]["stored_version"] == 2
    assert (outcome["username"], outcome["version"], outcome["first"]) == ("first_writer", 2, 2)


def test_auth_end_to_end_over_grpc(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    redis_server: RedisServer,
    auth_stubs: tuple[ModuleType, ModuleType],
    tmp_path: Path,
) -> None:
    auth_pb2, auth_pb2_grpc = auth_stubs
    platform = auth_on(load_platform(ROOT / "config"), postgres_server, redis_server)
    service = platform.services["auth"]
    env = service_env(platform, service, redis_server)
    migrate(services_env, env)
    log = tmp_path / "auth.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            serve_argv(services_env, service),
            cwd=ROOT / "services" / "auth",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert eventually(lambda: http_get(service.local_http_port, "/readyz")[0] == 200, "ready")
        probe = tmp_path / "grpc_probe.py"
        probe.write_text(GRPC_PROBE, encoding="utf-8")
        listed = grpc_probe(services_env, service.local_grpc_port, probe)["services"]
        assert "avion.auth.v1.AuthService" in listed

        with capture_telemetry("e2e-client") as telemetry, capture_logs() as client_logs:
            answers = asyncio.run(
                conversation(auth_pb2, auth_pb2_grpc, service.local_grpc_port, telemetry)
            )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    user_id, token, trace_id = answers["user_id"], answers["token"], answers["trace_id"]
    assert answers["duplicate"] == "ALREADY_EXISTS"
    assert answers["wrong_password"] == ("UNAUTHENTICATED", "wrong email or password")
    assert answers["unknown_email"] == answers["wrong_password"]
    assert answers["user"] == (user_id, "ada@example.com", "ada")
    assert answers["short_password"] == (
        "INVALID_ARGUMENT",
        {"password": "must be at least 12 characters"},  # pragma: allowlist secret
    )

    # The row holds an argon2 hash, not the password.
    with psycopg.connect(postgres_server.dsn(auth_database)) as conn:
        row = conn.execute(
            "SELECT email, username, password_hash, version FROM users WHERE id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    email, username, password_hash, version = row
    assert (email, username, version) == ("ada@example.com", "ada", 1)
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash

    # The session lives under session:<sha256 of the token> with a TTL, as the service's user.
    client = redis.Redis(
        host="127.0.0.1",
        port=redis_server.port,
        username=redis_server.user,
        password=redis_server.password,
    )
    try:
        key = "session:" + hashlib.sha256(token.encode()).hexdigest()
        ttl = client.ttl(key)
        assert 0 < int(ttl) <= 24 * 3600  # type: ignore[arg-type]
        stored = json.loads(client.get(key))  # type: ignore[arg-type]
        assert stored["user_id"] == user_id
    finally:
        client.close()

    # Every log line of the traced request carries one trace id, on the client and the server.
    server_lines = [
        json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")
    ]
    traced = [line for line in server_lines if line.get("trace_id") == trace_id]
    assert {line["event"] for line in traced} == {"grpc.request", "cqrs.dispatch"}, server_lines
    request_ids = {line["request_id"] for line in traced if "request_id" in line}
    assert request_ids == {"e2e-get-user"}
    (client_line,) = [line for line in client_logs if line.get("request_id") == "e2e-get-user"]
    assert client_line["trace_id"] == trace_id
    assert PASSWORD not in log.read_text()


async def conversation(
    auth_pb2: Any, auth_pb2_grpc: Any, port: int, telemetry: Any
) -> dict[str, Any]:
    """The calls of the end-to-end test; returns what the test asserts on."""
    from avion_logging import bound_request_context

    answers: dict[str, Any] = {}
    provider = telemetry.telemetry.tracer_provider
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{port}", interceptors=client_interceptors(provider)
    ) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        ada = auth_pb2.SignUpRequest(email="ada@example.com", username="ada", password=PASSWORD)
        answers["user_id"] = (await stub.SignUp(ada, timeout=30)).user_id
        answers["duplicate"] = (await failure(stub.SignUp(ada, timeout=30))).code().name
        login = await stub.Authenticate(
            auth_pb2.AuthenticateRequest(email="ada@example.com", password=PASSWORD), timeout=30
        )
        answers["token"] = login.session_token
        for name, email, password in (
            ("wrong_password", "ada@example.com", "not the password"),
            ("unknown_email", "nobody@example.com", PASSWORD),
        ):
            request = auth_pb2.AuthenticateRequest(email=email, password=password)
            error = await failure(stub.Authenticate(request, timeout=30))
            answers[name] = (error.code().name, error.details())
        with bound_request_context(request_id="e2e-get-user"):
            user = await stub.GetUser(
                auth_pb2.GetUserRequest(user_id=answers["user_id"]), timeout=30
            )
        answers["user"] = (user.user_id, user.email, user.username)
        short = auth_pb2.SignUpRequest(email="bo@example.com", username="bo_b", password="short")
        error = await failure(stub.SignUp(short, timeout=30))
        answers["short_password"] = (error.code().name, bad_request_violations(error))
    (span,) = [s for s in telemetry.finished_spans() if s.name.endswith("/GetUser")]
    answers["trace_id"] = f"{span.context.trace_id:032x}"
    return answers


async def failure(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value
