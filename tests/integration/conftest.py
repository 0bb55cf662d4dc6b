"""Fixtures for integration tests: real servers started by the tests, never mocks.

One PostgreSQL server for the whole run (in a temp dir, from the machine's binaries) and a
fresh database per test.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError, ToolMissing
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.services.pyenv import ServicesEnv, ensure_env
from tests.support import require_tool, unavailable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def goose_bin() -> Path:
    """The pinned goose binary (tests/conftest.py's require_tool policy: CI fails, else skip)."""
    return require_tool("goose")


@dataclass(frozen=True)
class Database:
    """A database created for one test on the session's server."""

    name: str
    dsn: str
    server: PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.in_temp_dir(durable=False)
    except ToolMissing as exc:
        unavailable(f"{exc.message} ({exc.hint})")
    server.start()
    try:
        yield server
    finally:
        server.remove()


_counter = itertools.count(1)


@pytest.fixture
def fresh_database(postgres_server: PostgresServer) -> Iterator[Database]:
    name = f"test_{os.getpid()}_{next(_counter)}"
    dsn = postgres_server.create_database(name)
    try:
        yield Database(name, dsn, postgres_server)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def services_env() -> ServicesEnv:
    """.venv-services, synced with the libraries and every service (PyPI must be reachable)."""
    platform = load_platform(ROOT / "config")
    try:
        return ensure_env(ROOT, list(platform.services), quiet=True)
    except AvionError as exc:
        unavailable(exc.render())


@pytest.fixture
def auth_stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, ModuleType]]:
    """The generated stubs, as a client of the service imports them (``avion.auth.v1``)."""
    monkeypatch.syspath_prepend(str(ROOT / "services" / "auth" / "src"))
    from avion.auth.v1 import auth_pb2, auth_pb2_grpc

    yield auth_pb2, auth_pb2_grpc
    for name in [m for m in sys.modules if m == "avion" or m.startswith("avion.")]:
        del sys.modules[name]


@pytest.fixture(scope="session")
def oci_registry() -> Iterator[str]:
    """A real OCI registry (crane's, in memory) on a free loopback port: ``127.0.0.1:PORT``."""
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from avion_workspace.infra.ports import free_port

    crane = require_tool("crane")
    # A port picked free can be taken before crane binds it: crane then exits, and we pick again.
    for _attempt in range(5):
        port = free_port()
        server = subprocess.Popen(
            [str(crane), "registry", "serve", "--address", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60  # generous: a loaded machine starts processes slowly
        while server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    server.kill()
                    pytest.fail("crane registry serve did not answer within 60 s")
                time.sleep(0.1)  # bounded polling while the registry starts
        if server.poll() is None:  # answering, and it is ours (still running)
            break
    else:
        pytest.fail("crane registry serve could not bind a free port in 5 attempts")
    yield f"127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)
