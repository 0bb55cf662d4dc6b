"""The runner against a real PostgreSQL: goose's table, transactions, failures, lock, checksums."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from avion_migrate.errors import (
    ChecksumMismatch,
    DatabaseUnavailable,
    LockTimeout,
    MigrationFailed,
    MigrationParseError,
    MissingMigrationsError,
)
from avion_migrate.runner import (
    Command,
    RunOptions,
    Target,
    current_version,
    migrate,
    run_each,
    status,
)
from avion_migrate.store import GOOSE_LOCK_ID

TABLE = """-- +goose Up
CREATE TABLE {name} (id int);
-- +goose Down
DROP TABLE {name};
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def table_file(directory: Path, version: int, name: str) -> Path:
    return write(directory, f"{version:05d}_{name}.sql", TABLE.format(name=name))


def query(dsn: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        cursor = conn.execute(sql.encode())
        return cursor.fetchall() if cursor.description else []


def tables(dsn: str) -> set[str]:
    rows = query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {str(r[0]) for r in rows}


def versions(dsn: str) -> list[tuple[object, ...]]:
    return query(dsn, "SELECT id, version_id, is_applied FROM goose_db_version ORDER BY id")


OPTS = RunOptions(env={}, lock_timeout=5)


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return tmp_path / "migrations"


def test_up_creates_goose_table_exactly_and_records_each_file(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    table_file(migrations, 2, "b")
    target = Target("t", migrations, fresh_database.dsn)
    result = migrate(target, Command.UP, options=OPTS)
    assert (result.before, result.after) == (0, 2)
    assert [s.file for s in result.steps] == ["00001_a.sql", "00002_b.sql"]
    columns = query(
        fresh_database.dsn,
        "SELECT column_name, data_type, is_nullable, is_identity, identity_generation, "
        "column_default FROM information_schema.columns "
        "WHERE table_name = 'goose_db_version' ORDER BY ordinal_position",
    )
    assert columns == [
        ("id", "integer", "NO", "YES", "BY DEFAULT", None),
        ("version_id", "bigint", "NO", "NO", None, None),
        ("is_applied", "boolean", "NO", "NO", None, None),
        ("tstamp", "timestamp without time zone", "NO", "NO", None, "now()"),
    ]
    assert query(
        fresh_database.dsn,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'goose_db_version'::regclass "
        "AND i.indisprimary",
    ) == [("id",)]
    assert versions(fresh_database.dsn) == [(1, 0, True), (2, 1, True), (3, 2, True)]
    assert tables(fresh_database.dsn) >= {"a", "b", "avion_migration_checksums"}
    assert migrate(target, Command.UP, options=OPTS).steps == ()


def test_down_deletes_the_row_and_follows_applied_order(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    table_file(migrations, 3, "c")
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=OPTS)
    table_file(migrations, 2, "b")  # arrives late: applied out of order
    migrate(target, Command.UP, options=RunOptions(env={}, allow_missing=True))
    assert [v[1] for v in versions(fresh_database.dsn)] == [0, 1, 3, 2]
    assert current_version(target) == 2
    result = migrate(target, Command.DOWN, options=OPTS)
    assert [s.file for s in result.steps] == ["00002_b.sql"]
    assert [v[1] for v in versions(fresh_database.dsn)] == [0, 1, 3]
    assert current_version(target) == 3


def test_failing_statement_leaves_its_file_unapplied_and_says_where(
    migrations, fresh_database
) -> None:
    table_file(migrations, 1, "a")
    write(
        migrations,
        "00002_broken.sql",
        "-- +goose Up\nCREATE TABLE b (id int);\n\nINSERT INTO nowhere VALUES (1);\n"
        "CREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE b;\n",
    )
    table_file(migrations, 3, "d")
    target = Target("t", migrations, fresh_database.dsn)
    with pytest.raises(MigrationFailed) as caught:
        migrate(target, Command.UP, options=OPTS)
    error = caught.value
    assert error.message == (
        '00002_broken.sql: up statement 2 of 3 failed: relation "nowhere" does not exist '
        "(SQLSTATE 42P01)"
    )
    assert error.applied == ("00001_a.sql",)
    (problem,) = error.problems
    assert str(problem.location) == f"{migrations}/00002_broken.sql:4"
    assert "statement: INSERT INTO nowhere VALUES (1);" in problem.message
    assert error.hint == (
        "applied before the failure: 00001_a.sql (up); "
        "00002_broken.sql was rolled back as a whole and is not recorded"
    )
    assert "b" not in tables(fresh_database.dsn)
    assert "a" in tables(fresh_database.dsn)
    assert current_version(target) == 1


def test_no_transaction_failure_reports_what_ran(migrations, fresh_database) -> None:
    write(
        migrations,
        "00001_notx.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE kept (id int);\n"
        "SELECT 1/0;\n-- +goose Down\nDROP TABLE kept;\n",
    )
    target = Target("t", migrations, fresh_database.dsn)
    with pytest.raises(MigrationFailed) as caught:
        migrate(target, Command.UP, options=OPTS)
    assert "division by zero" in caught.value.message
    assert caught.value.hint is not None
    assert "NO TRANSACTION: its statements 1-1 ran and were not rolled back" in caught.value.hint
    assert "kept" in tables(fresh_database.dsn)
    assert current_version(target) == 0


def test_a_broken_file_applies_nothing_at_all(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    write(migrations, "00002_bad.sql", "-- +goose Up\nSELECT 1\n")
    target = Target("t", migrations, fresh_database.dsn)
    with pytest.raises(MigrationParseError) as caught:
        migrate(target, Command.UP, options=OPTS)
    assert str(caught.value.problems[0].location) == f"{migrations}/00002_bad.sql:2"
    assert tables(fresh_database.dsn) == set()  # not even goose's table


def test_missing_migration_is_named_unless_allowed(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    table_file(migrations, 3, "c")
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=OPTS)
    table_file(migrations, 2, "b")
    with pytest.raises(MissingMigrationsError) as caught:
        migrate(target, Command.UP, options=OPTS)
    assert [str(p.location) for p in caught.value.problems] == [f"{migrations}/00002_b.sql"]
    assert "b" not in tables(fresh_database.dsn)
    applied = migrate(target, Command.UP, options=RunOptions(env={}, allow_missing=True))
    assert [s.file for s in applied.steps] == ["00002_b.sql"]


def test_edited_applied_file_is_reported_and_strict_fails(migrations, fresh_database) -> None:
    path = table_file(migrations, 1, "a")
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=OPTS)
    assert status(target).migrations[0].checksum == "ok"
    path.write_text(TABLE.format(name="a") + "-- edited\n", encoding="utf-8")
    table_file(migrations, 2, "b")
    result = migrate(target, Command.UP, options=OPTS)
    assert [(i.version, i.file) for i in result.edited] == [(1, "00001_a.sql")]
    assert status(target).migrations[0].checksum == "edited"
    table_file(migrations, 3, "c")
    with pytest.raises(ChecksumMismatch):
        migrate(target, Command.UP, options=RunOptions(env={}, strict=True))
    assert current_version(target) == 2


def test_dry_run_changes_nothing(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    target = Target("t", migrations, fresh_database.dsn)
    result = migrate(target, Command.UP, options=RunOptions(env={}, dry_run=True))
    assert (result.dry_run, result.before, result.after) == (True, 0, 1)
    assert [s.sql for s in result.steps[0].statements] == ["CREATE TABLE a (id int);"]
    assert tables(fresh_database.dsn) == set()


def test_lock_held_elsewhere_times_out_clearly(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    target = Target("t", migrations, fresh_database.dsn)
    with psycopg.connect(fresh_database.dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (GOOSE_LOCK_ID,))
        pid = holder.info.backend_pid
        with pytest.raises(LockTimeout) as caught:
            migrate(target, Command.UP, options=RunOptions(env={}, lock_timeout=0.3))
        assert caught.value.message == (
            f"timed out after 0.3 s waiting for the migration lock "
            f"(advisory lock {GOOSE_LOCK_ID}, held by backend pid {pid})"
        )
        assert tables(fresh_database.dsn) == set()
        unlocked = migrate(target, Command.UP, options=RunOptions(env={}, lock=False))
        assert len(unlocked.steps) == 1


def test_concurrent_runs_wait_then_find_nothing_to_do(migrations, fresh_database) -> None:
    write(
        migrations,
        "00001_slow.sql",
        "-- +goose Up\nSELECT pg_sleep(0.5);\nCREATE TABLE a (id int);\n"
        "-- +goose Down\nDROP TABLE a;\n",
    )
    target = Target("t", migrations, fresh_database.dsn)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(len(migrate(target, Command.UP, options=OPTS).steps))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 0, 1]
    assert [v[1] for v in versions(fresh_database.dsn)] == [0, 1]


def test_redo_is_one_transaction(migrations, fresh_database) -> None:
    write(
        migrations,
        "00001_t.sql",
        "-- +goose Up\nCREATE TABLE t (id int);\n"
        "SELECT 1 / (SELECT count(*) FROM switch)::int;\n-- +goose Down\nDROP TABLE t;\n",
    )
    query(fresh_database.dsn, "CREATE TABLE switch (x int); INSERT INTO switch VALUES (1)")
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=OPTS)
    redone = migrate(target, Command.REDO, options=OPTS)
    assert [(s.file, s.direction.value) for s in redone.steps] == [
        ("00001_t.sql", "down"),
        ("00001_t.sql", "up"),
    ]
    before = versions(fresh_database.dsn)
    with psycopg.connect(fresh_database.dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM switch")
    with pytest.raises(MigrationFailed) as caught:
        migrate(target, Command.REDO, options=OPTS)
    assert caught.value.hint == (
        "redo runs in one transaction: nothing changed, 00001_t.sql is still applied"
    )
    assert versions(fresh_database.dsn) == before
    assert "t" in tables(fresh_database.dsn)


def test_up_to_down_to_reset_and_status(migrations, fresh_database) -> None:
    for version, name in ((1, "a"), (2, "b"), (3, "c")):
        table_file(migrations, version, name)
    target = Target("svc", migrations, fresh_database.dsn)
    assert migrate(target, Command.UP_TO, version=2, options=OPTS).after == 2
    assert migrate(target, Command.UP_BY_ONE, options=OPTS).after == 3
    assert migrate(target, Command.DOWN_TO, version=1, options=OPTS).after == 1
    report_ = status(target)
    assert [(m.version, m.state) for m in report_.migrations] == [
        (1, "applied"),
        (2, "pending"),
        (3, "pending"),
    ]
    reset = migrate(target, Command.RESET, options=OPTS)
    assert (reset.before, reset.after) == (1, 0)
    assert [v[1] for v in versions(fresh_database.dsn)] == [0]


def test_status_of_a_goose_applied_version_is_untracked(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=OPTS)
    query(fresh_database.dsn, "DELETE FROM avion_migration_checksums")
    (item,) = status(target).migrations
    assert (item.state, item.checksum) == ("applied", "untracked")


def test_status_never_creates_tables(migrations, fresh_database) -> None:
    table_file(migrations, 1, "a")
    report_ = status(Target("t", migrations, fresh_database.dsn))
    assert (report_.current_version, report_.table_exists) == (0, False)
    assert tables(fresh_database.dsn) == set()


def test_envsub_uses_the_given_environment(migrations, fresh_database) -> None:
    write(
        migrations,
        "00001_env.sql",
        "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${PREFIX}items (id int);\n"
        "-- +goose Down\n-- +goose ENVSUB ON\nDROP TABLE ${PREFIX}items;\n",
    )
    target = Target("t", migrations, fresh_database.dsn)
    migrate(target, Command.UP, options=RunOptions(env={"PREFIX": "shop_"}))
    assert "shop_items" in tables(fresh_database.dsn)


def test_all_targets_run_in_parallel_with_a_summary(tmp_path, postgres_server) -> None:
    targets = []
    for index in range(3):
        directory = tmp_path / f"svc{index}"
        table_file(directory, 1, "a")
        if index == 2:
            write(directory, "00002_bad.sql", "-- +goose Up\nSELECT nope;\n")
        name = f"parallel_{index}"
        postgres_server.drop_database(name)
        targets.append(Target(f"svc{index}", directory, postgres_server.create_database(name)))
    try:
        outcomes = run_each(targets, lambda t: migrate(t, Command.UP, options=OPTS))
        assert [o.error is None for o in outcomes] == [True, True, False]
        assert [o.target.name for o in outcomes] == ["svc0", "svc1", "svc2"]
        failed = outcomes[2].error
        assert isinstance(failed, MigrationFailed)
        assert failed.failed == "00002_bad.sql"
        assert current_version(targets[0]) == 1
    finally:
        for index in range(3):
            postgres_server.drop_database(f"parallel_{index}")


def test_unreachable_database_is_a_clear_error_without_password(migrations) -> None:
    table_file(migrations, 1, "a")
    target = Target("t", migrations, "postgresql://me:s3cret@127.0.0.1:1/db")
    with pytest.raises(DatabaseUnavailable) as caught:
        migrate(target, Command.UP, options=OPTS)
    assert caught.value.message.startswith("cannot connect to 127.0.0.1:1/db: ")
    assert "s3cret" not in caught.value.render()
    assert caught.value.hint == (
        "is the database running (inv setup starts the local stack)? check --dsn"
    )


def test_the_caller_says_what_to_check_when_the_database_is_unreachable(migrations) -> None:
    # A caller without --dsn (the service kit reads settings) names what its user can change.
    table_file(migrations, 1, "a")
    hint = "check the AUTH_DATABASE_* settings"
    target = Target("t", migrations, "postgresql://me:s3cret@127.0.0.1:1/db", hint)
    for run in (
        lambda: migrate(target, Command.UP, options=OPTS),
        lambda: migrate(target, Command.UP, options=RunOptions(dry_run=True)),
        lambda: status(target),
        lambda: current_version(target),
    ):
        with pytest.raises(DatabaseUnavailable) as caught:
            run()
        assert caught.value.hint == hint
        assert "--dsn" not in caught.value.render()
        assert "s3cret" not in caught.value.render()
