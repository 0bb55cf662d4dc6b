"""``inv migrate-up --service NAME`` for real: the migration engine on the service's database."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from avion_workspace.errors import AvionError
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.services.cli import run_migrate_up

from .conftest import DB_PASSWORD, ROOT

pytestmark = pytest.mark.integration


def test_migrate_up_applies_the_services_migrations_once(
    postgres_server: PostgresServer,
    auth_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "config/environments/local.yaml").write_text(
        f"postgres: {{local_port: {postgres_server.port}}}\n"
    )
    (tmp_path / "services").symlink_to(ROOT / "services")
    (tmp_path / ".env").write_text(f"AVION_AUTH_DB_PASSWORD={DB_PASSWORD}\n")
    monkeypatch.chdir(tmp_path)
    files = sorted((ROOT / "services/auth/migrations").glob("*.sql"))
    latest = int(files[-1].name.split("_")[0])

    run_migrate_up("auth", None)
    run_migrate_up("auth", None)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"auth: applied {len(files)} migration(s), version 0 -> {latest}"
    assert out[1] == f"auth: up to date (version {latest})"
    with psycopg.connect(postgres_server.dsn("avion_auth_db")) as conn:
        owner = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'goose_db_version'"
        ).fetchone()
    assert owner == ("avion_auth",)

    with pytest.raises(AvionError, match="unknown service 'auht'"):
        run_migrate_up("auht", None)
