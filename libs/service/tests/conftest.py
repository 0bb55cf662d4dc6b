"""Fixtures for avion_service's tests: real PostgreSQL and Redis servers, stub S3/search HTTP.

PostgreSQL comes from the machine's binaries (avion_migrate.testing), Redis from
``redis-server`` on PATH; a missing one fails in CI and skips elsewhere. S3 and Meilisearch are
reached over HTTP only for a readiness probe, so a small local HTTP server stands in for them.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from avion_migrate.testing import (
    PostgresUnavailable,
    TemporaryPostgres,
    free_port,
    temporary_postgres,
)


def unavailable(message: str) -> None:
    """A prerequisite is missing: fail in CI (it must install it), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI must install every tool the tests need)")
    pytest.skip(message)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    try:
        with temporary_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        unavailable(str(exc))


_counter = itertools.count(1)


@dataclass(frozen=True)
class Database:
    name: str
    dsn: str
    host: str
    port: int


@pytest.fixture
def database(postgres_server: TemporaryPostgres) -> Iterator[Database]:
    name = f"svc_{os.getpid()}_{next(_counter)}"
    dsn = postgres_server.create_database(name)
    try:
        yield Database(name, dsn, postgres_server.host, postgres_server.port)
    finally:
        postgres_server.drop_database(name)


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int
    user: str
    password: str


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable(
            "redis-server is not installed: `inv setup` installs it (or apt-get install redis-server)"
        )
    assert binary is not None
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="avion-service-redis-"))
    user, password = "avion_test", "test-secret-1"  # pragma: allowlist secret
    acl = directory / "users.acl"
    acl.write_text(f"user {user} on >{password} ~* &* +@all\nuser default off\n")
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    process = subprocess.Popen(
        [*argv, "--save", "", "--appendonly", "no", "--aclfile", str(acl)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)  # bounded poll while the server starts
    try:
        yield RedisServer("127.0.0.1", port, user, password)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class StubHttp:
    """A local HTTP server answering S3 ``HEAD /<bucket>`` and Meilisearch ``GET /health``."""

    url: str
    buckets: set[str]
    search_status: str = "available"


@pytest.fixture
def stub_http() -> Iterator[StubHttp]:
    state = StubHttp("", {"uploads", "processed"})

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            bucket = self.path.strip("/").split("/")[0]
            self.send_response(200 if bucket in state.buckets else 404)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            if self.path != "/health":
                self.send_error(404)
                return
            body = json.dumps({"status": state.search_status}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
