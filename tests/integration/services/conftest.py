"""Fixtures for the service template's integration tests: Redis and the auth database.

PostgreSQL, the services' environment and the auth stubs come from tests/integration/conftest.py;
Redis is a real redis-server started here with the service's ACL user, as the local stack
defines it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from avion_workspace.infra.ports import free_port
from avion_workspace.infra.postgres import PostgresServer
from tests import support

ROOT = Path(__file__).resolve().parents[3]


def require_program(name: str) -> str:
    """A program from Debian's packages; see tests/support.py for the missing-tool policy."""
    return support.require_program(name, f"apt-get install {name}")


@dataclass
class RedisServer:
    """A redis-server with an admin password and one ACL user limited to key patterns."""

    binary: str
    port: int
    directory: Path
    admin_password: str
    user: str
    password: str
    key_patterns: tuple[str, ...]
    process: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        # Each ACL word is its own argument: redis-server quotes an argument with spaces whole.
        keys = [f"~{p}" for p in self.key_patterns]
        channels = [f"&{p}" for p in self.key_patterns]
        return [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--requirepass",
            self.admin_password,
            "--user",
            self.user,
            "on",
            f">{self.password}",
            "resetkeys",
            *keys,
            "resetchannels",
            *channels,
            "+@all",
            "-@admin",
            "-@dangerous",
        ]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = require_program("redis-server")
    directory = Path(tempfile.mkdtemp(prefix="avion-redis-"))
    server = RedisServer(
        binary=binary,
        port=free_port(),
        directory=directory,
        admin_password="admin-secret",  # pragma: allowlist secret
        user="avion_auth",
        password="redis-user-secret",  # pragma: allowlist secret
        key_patterns=("cache:*", "session:*"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


DB_PASSWORD = "db-owner-secret"  # pragma: allowlist secret


@pytest.fixture
def auth_database(postgres_server: PostgresServer) -> Iterator[str]:
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS avion_auth_db WITH (FORCE)")
        conn.execute("DROP ROLE IF EXISTS avion_auth")
        conn.execute(f"CREATE ROLE avion_auth LOGIN PASSWORD '{DB_PASSWORD}'")
    postgres_server.create_database("avion_auth_db", owner="avion_auth")
    try:
        yield "avion_auth_db"
    finally:
        postgres_server.drop_database("avion_auth_db")
