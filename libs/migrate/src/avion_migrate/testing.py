"""A throwaway PostgreSQL server for tests of migrations (and of code that needs a database).

``with temporary_postgres() as server: dsn = server.create_database("t")`` runs the machine's
PostgreSQL binaries (``$AVION_PG_BIN``, the newest ``/usr/lib/postgresql/*/bin``, or ``PATH``)
on a free loopback port in a temporary directory, with trust authentication and no fsync, and
removes everything on exit. Raises :class:`PostgresUnavailable` when there are no binaries.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

_BINARIES = ("initdb", "pg_ctl")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine, or the server did not start."""


def find_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are; :class:`PostgresUnavailable` when nowhere."""
    candidates: list[Path] = []
    if os.environ.get("AVION_PG_BIN"):
        candidates.append(Path(os.environ["AVION_PG_BIN"]))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        if all((directory / name).is_file() for name in _BINARIES):
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL "
        "or set AVION_PG_BIN"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class TemporaryPostgres:
    """A running throwaway server: superuser ``postgres``, trust authentication."""

    base_dir: Path
    port: int
    host: str = "127.0.0.1"

    def dsn(self, database: str = "postgres") -> str:
        return make_conninfo(host=self.host, port=self.port, user="postgres", dbname=database)

    def create_database(self, name: str) -> str:
        """Create (or recreate) database ``name``; returns its DSN."""
        self.drop_database(name)
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _account() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: then run it as ``nobody``."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


@contextlib.contextmanager
def temporary_postgres(*, start_timeout: float = 60.0) -> Iterator[TemporaryPostgres]:
    """Start a server, yield it, then stop it and delete its directory."""
    bin_dir = find_bin_dir()
    base = Path(tempfile.mkdtemp(prefix="avion-migrate-pg-"))
    account = _account()
    if account:
        os.chown(base, account["user"], account["group"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}
    server = TemporaryPostgres(base, free_port())
    data = base / "data"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]

    def run(args: list[str], timeout: float) -> None:
        done = subprocess.run(
            args, capture_output=True, text=True, env=env, cwd=base, timeout=timeout, **account
        )
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()}")

    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"]
        run([*initdb, "--locale=C", "--auth=trust", "--no-sync"], timeout=180)
        options = (
            f"-c listen_addresses={server.host} -p {server.port} -k {base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run([*pg_ctl, "-l", str(base / "log"), "-o", options, "-w", "start"], start_timeout)
        _wait_ready(server, start_timeout)
        yield server
    finally:
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            if (data / "postmaster.pid").exists():
                run([*pg_ctl, "-m", "immediate", "-w", "stop"], 60)
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(server: TemporaryPostgres, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(server.dsn(), connect_timeout=2):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL did not accept connections: {exc}") from None
            time.sleep(0.1)  # bounded poll while the server starts
