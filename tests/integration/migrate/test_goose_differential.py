"""Differential test: the real goose binary and this engine on the same folders.

Two fresh databases per folder; goose migrates one, this engine the other, command by command;
after every step the schema (pg_dump), the row counts and goose_db_version must be identical.
Then they swap databases, to show each can pick up where the other left off.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from avion_migrate.errors import MigrationFailed
from avion_migrate.runner import Command, RunOptions, Target, migrate
from avion_migrate.source import collect_sources
from avion_migrate.store import CHECKSUM_TABLE

from avion_workspace.infra.postgres import PostgresServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations"))
FOLDERS = [ROOT / "services" / s / "migrations" for s in SERVICES] + [FIXTURES / "tricky"]
# What ENVSUB sections see, in both processes.
DIFF_ENV = {"AVION_DIFF_PREFIX": "diff_"}


@dataclass
class Pair:
    """The database goose migrates and the one this engine migrates."""

    goose_bin: Path
    folder: Path
    server: PostgresServer
    goose_db: str
    ours_db: str
    workdir: Path

    def goose(self, database: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOOSE_")}
        env |= DIFF_ENV | {"NO_COLOR": "1"}
        dsn = self.server.dsn(database) + "?sslmode=disable"
        return subprocess.run(
            [str(self.goose_bin), "-env=none", "-dir", str(self.folder), "postgres", dsn, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.workdir,
            timeout=120,
            check=False,
        )

    def ours(self, database: str, command: Command, version: int | None = None) -> None:
        target = Target("ours", self.folder, self.server.dsn(database))
        migrate(target, command, version=version, options=RunOptions(env=DIFF_ENV))

    def snapshot(self, database: str) -> tuple[str, list[tuple[object, ...]], dict[str, int]]:
        dump = subprocess.run(
            [
                str(self.server.tool("pg_dump")),
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                f"--exclude-table={CHECKSUM_TABLE}",
                "--dbname",
                self.server.dsn(database),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        schema = "\n".join(
            line
            for line in dump.splitlines()
            if line.strip() and not line.startswith(("--", "\\restrict", "\\unrestrict"))
        )
        with psycopg.connect(self.server.dsn(database)) as conn:
            versions = conn.execute(
                "SELECT id, version_id, is_applied FROM goose_db_version ORDER BY id"
            ).fetchall()
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT IN ('goose_db_version', %s) ORDER BY 1",
                    (CHECKSUM_TABLE,),
                ).fetchall()
            ]
            counts = {}
            for name in names:
                row = conn.execute(
                    psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(name))
                ).fetchone()
                counts[name] = int(row[0]) if row else -1
        return schema, versions, counts

    def assert_same(self, step: str) -> None:
        goose_state = self.snapshot(self.goose_db)
        ours_state = self.snapshot(self.ours_db)
        assert ours_state[1] == goose_state[1], f"goose_db_version differs after {step}"
        assert ours_state[2] == goose_state[2], f"row counts differ after {step}"
        assert ours_state[0] == goose_state[0], f"schema differs after {step}"

    def both(
        self, step: str, goose_args: tuple[str, ...], command: Command, version: int | None = None
    ) -> None:
        result = self.goose(self.goose_db, *goose_args)
        assert result.returncode == 0, f"goose {' '.join(goose_args)}: {result.stderr}"
        self.ours(self.ours_db, command, version)
        self.assert_same(step)


@pytest.fixture
def pair_factory(
    postgres_server: PostgresServer, goose_bin: Path, tmp_path: Path
) -> Iterator[Callable[[Path], Pair]]:
    created: list[str] = []

    def make(folder: Path) -> Pair:
        index = len(created)
        names = (f"diff_goose_{os.getpid()}_{index}", f"diff_ours_{os.getpid()}_{index}")
        for name in names:
            postgres_server.drop_database(name)
            postgres_server.create_database(name)
            created.append(name)
        return Pair(goose_bin, folder, postgres_server, names[0], names[1], tmp_path)

    yield make
    for name in created:
        postgres_server.drop_database(name)


@pytest.mark.parametrize(
    "folder", FOLDERS, ids=[f.parent.name if f.name == "migrations" else f.name for f in FOLDERS]
)
def test_same_schema_and_versions_as_goose(
    folder: Path, pair_factory: Callable[[Path], Pair]
) -> None:
    pair = pair_factory(folder)
    versions = [s.version for s in collect_sources(folder)]
    pair.both("up", ("up",), Command.UP)
    pair.both("redo", ("redo",), Command.REDO)
    pair.both("down", ("down",), Command.DOWN)
    pair.both("up again", ("up",), Command.UP)
    pair.both("down-to 0", ("down-to", "0"), Command.DOWN_TO, 0)
    pair.both("up-by-one", ("up-by-one",), Command.UP_BY_ONE)
    pair.both("up after up-by-one", ("up",), Command.UP)
    if len(versions) > 1:
        first, second = versions[0], versions[1]
        pair.both(f"down-to {first}", ("down-to", str(first)), Command.DOWN_TO, first)
        pair.both(f"up-to {second}", ("up-to", str(second)), Command.UP_TO, second)
        pair.both("redo in the middle", ("redo",), Command.REDO)
        pair.both("up to the end", ("up",), Command.UP)
    # Swap: each tool continues on the database the other one migrated.
    pair.goose_db, pair.ours_db = pair.ours_db, pair.goose_db
    pair.both("down on the other's database", ("down",), Command.DOWN)
    pair.both("up on the other's database", ("up",), Command.UP)


def test_failing_migration_leaves_the_same_state_as_goose(
    pair_factory: Callable[[Path], Pair],
) -> None:
    pair = pair_factory(FIXTURES / "failing")
    result = pair.goose(pair.goose_db, "up")
    assert result.returncode != 0
    assert "division by zero" in result.stderr
    with pytest.raises(MigrationFailed, match="division by zero"):
        pair.ours(pair.ours_db, Command.UP)
    pair.assert_same("a failing up")
