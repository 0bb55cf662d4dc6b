"""``inv migrate.*`` as a user runs them: output, exit codes, never a traceback.

The tasks run in a subprocess through invoke with the migrate collection alone, so this test
does not depend on the rest of the workspace's namespace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from avion_workspace.infra.postgres import PostgresServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
# The auth service's migrations, counted from its folder: a new one changes no assertion here.
AUTH_MIGRATIONS = len(list((ROOT / "services" / "auth" / "migrations").glob("*.sql")))
LAUNCHER = (
    "import sys\n"
    "from invoke import Collection, Program\n"
    "from avion_workspace.tasks import migrate\n"
    "root = Collection()\n"
    "root.add_collection(migrate.ns)\n"
    "Program(namespace=root, binary='inv').run(['inv', *sys.argv[1:]])\n"
)


def inv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )


def test_validate_a_service_folder_without_a_database() -> None:
    result = inv("migrate.validate", "--dir", "services/auth/migrations")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[0]
        == f"services/auth/migrations: {AUTH_MIGRATIONS} migrations valid"
    )


def test_validate_reports_every_bad_file_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "00001_a.sql").write_text("-- +goose Up\nSELECT 1\n", encoding="utf-8")
    (tmp_path / "00002_b.sql").write_text("-- +goose Down\n", encoding="utf-8")
    result = inv("migrate.validate", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path}/00001_a.sql:2: unfinished statement starting here: missing semicolon?",
        "    hint: end the statement's last line with ';', or wrap it in "
        "-- +goose StatementBegin / StatementEnd",
        f"{tmp_path}/00002_b.sql:1: '-- +goose Down' before '-- +goose Up'",
        "    hint: see https://github.com/pressly/goose#sql-migrations",
        f"error: {tmp_path}: 2 invalid migration files",
    ]


def test_up_status_down_end_to_end(fresh_database) -> None:
    folder = "services/auth/migrations"
    up = inv("migrate.up", "--dir", folder, "--dsn", fresh_database.dsn)
    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines()[0] == f"{folder}: up: version 0 -> {AUTH_MIGRATIONS}"
    status = inv("migrate.status", "--dir", folder, "--dsn", fresh_database.dsn, "--json")
    assert status.returncode == 0, status.stderr
    (document,) = json.loads(status.stdout)
    assert document["current_version"] == AUTH_MIGRATIONS
    assert [m["state"] for m in document["migrations"]] == ["applied"] * AUTH_MIGRATIONS
    version = inv("migrate.version", "--dir", folder, "--dsn", fresh_database.dsn)
    assert version.stdout.strip() == f"{folder}: version {AUTH_MIGRATIONS}"
    down = inv("migrate.down-to", "--version", "0", "--dir", folder, "--dsn", fresh_database.dsn)
    assert down.returncode == 0, down.stderr
    assert down.stdout.splitlines()[0] == f"{folder}: down-to: version {AUTH_MIGRATIONS} -> 0"


def test_every_run_command_takes_its_options(fresh_database) -> None:
    folder = "services/auth/migrations"
    target = ("--dir", folder, "--dsn", fresh_database.dsn)

    def version_after(*args: str) -> str:
        result = inv(*args, *target)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[0]

    assert version_after("migrate.up", "--dry-run") == (
        f"{folder}: dry run of up: version 0 -> {AUTH_MIGRATIONS}, {AUTH_MIGRATIONS} files"
        " (nothing was changed)"
    )
    assert inv("migrate.version", *target).stdout.strip() == f"{folder}: version 0"
    assert version_after("migrate.up-by-one", "--strict") == f"{folder}: up-by-one: version 0 -> 1"
    assert version_after("migrate.up-to", "--version", "2", "--allow-missing") == (
        f"{folder}: up-to: version 1 -> 2"
    )
    assert version_after("migrate.redo", "--lock-timeout", "5") == f"{folder}: redo: version 2 -> 2"
    assert version_after("migrate.down", "--no-lock") == f"{folder}: down: version 2 -> 1"
    assert version_after("migrate.reset") == f"{folder}: reset: version 1 -> 0"


def test_failures_exit_1_with_a_message_not_a_traceback(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    (tmp_path / "00001_a.sql").write_text(
        "-- +goose Up\nCREATE TABLE a (id int);\n", encoding="utf-8"
    )
    dsn = f"postgresql://nobody@127.0.0.1:{postgres_server.port}/does_not_exist"
    result = inv("migrate.up", "--dir", str(tmp_path), "--dsn", dsn)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"error: cannot connect to 127.0.0.1:{postgres_server.port}/does_not_exist: "
    )
    missing = inv("migrate.up")
    assert missing.returncode == 1
    assert missing.stderr.startswith(
        "error: choose what to migrate: exactly one of --service NAME, --all, --dir PATH"
    )
    down = inv("migrate.down", "--dir", str(tmp_path), "--dsn", postgres_server.dsn("postgres"))
    assert down.returncode == 1
    assert "no migration to roll back: the database is at version 0" in down.stderr


def test_create_and_fix(tmp_path: Path) -> None:
    created = inv("migrate.create", "add users", "--dir", str(tmp_path), "--sequential")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f"created {tmp_path}/00001_add_users.sql"
    stamped = inv("migrate.create", "later", "--dir", str(tmp_path))
    assert stamped.returncode == 0, stamped.stderr
    fixed = inv("migrate.fix", "--dir", str(tmp_path))
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip().endswith("=> 00002_later.sql")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00001_add_users.sql", "00002_later.sql"]
