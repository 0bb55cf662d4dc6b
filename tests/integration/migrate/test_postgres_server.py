"""PostgresServer: a real server from the machine's binaries, started, probed, stopped."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from avion_workspace.infra.postgres import PostgresError, PostgresServer, free_port

pytestmark = pytest.mark.integration


def test_lifecycle_with_password_auth_and_persistent_data() -> None:
    server = PostgresServer.in_temp_dir(superuser="admin", password="p@ss word", durable=False)
    try:
        assert not server.is_running()
        server.start()
        server.start()  # idempotent: already running
        assert server.is_running()
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (id int)")
            user = conn.execute("SELECT current_user").fetchone()
        assert user == ("admin",)
        wrong = server.dsn().replace("p%40ss%20word", "nope")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong, connect_timeout=5).close()
        if os.geteuid() == 0:
            assert server.run_as is not None
            assert server.data_dir.stat().st_uid == server.run_as.uid
        server.stop()
        assert not server.is_running()
        server.start()
        with psycopg.connect(server.dsn()) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    finally:
        server.remove()
    assert not server.base_dir.exists()


def test_wait_ready_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "never-started", port=free_port())
    with pytest.raises(PostgresError) as caught:
        server.wait_ready(timeout=0.2)
    assert caught.value.message.startswith(
        f"PostgreSQL on 127.0.0.1:{server.port} did not answer within 0.2 s: "
    )


def test_port_in_use_fails_with_the_server_log(postgres_server: PostgresServer) -> None:
    clash = PostgresServer.in_temp_dir(port=postgres_server.port, durable=False)
    try:
        with pytest.raises(PostgresError) as caught:
            clash.start(timeout=20)
        assert "pg_ctl failed" in caught.value.message
        assert "could not" in caught.value.message  # the log tail says why
    finally:
        clash.remove()
