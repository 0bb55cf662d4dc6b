"""migrate.create (goose's names and template) and migrate.fix (timestamps → sequence)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationError
from avion_migrate.parser import parse_migration

from avion_workspace.migrate.create import SQL_TEMPLATE, create_migration, snake_case
from avion_workspace.migrate.fix import fix_directory, is_sequential, is_timestamp

NOW = datetime(2024, 3, 9, 8, 7, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("add_users", "add_users"),
        ("Add Users", "add_users"),
        ("AddUsers", "addusers"),
        ("add--users  table", "add_users_table"),
        ("  leading", "leading"),
        ("trailing!", "trailing_"),  # goose keeps one trailing separator
        ("trailing!!", "trailing"),
        ("_$$_This is some text, OK?!", "this_is_some_text_ok"),
        ("ünïcode Ärger", "ünïcode_ärger"),
    ],
)
def test_snake_case_follows_goose(name: str, snake: str) -> None:
    assert snake_case(name) == snake


def test_create_timestamped_with_goose_template(tmp_path: Path) -> None:
    path = create_migration(tmp_path, "Add Users", sequential=False, now=NOW)
    assert path.name == "20240309080706_add_users.sql"
    assert path.read_text(encoding="utf-8") == SQL_TEMPLATE
    parsed = parse_migration(SQL_TEMPLATE, file=path.name, env={})
    assert [s.sql for s in parsed.up] == ["SELECT 'up SQL query';"]


def test_create_sequential_counts_only_sequential_versions(tmp_path: Path) -> None:
    assert create_migration(tmp_path, "first", sequential=True, now=NOW).name == "00001_first.sql"
    (tmp_path / "20230101000000_stamp.sql").write_text("-- +goose Up\n", encoding="utf-8")
    assert create_migration(tmp_path, "second", sequential=True, now=NOW).name == (
        "00002_second.sql"
    )


def test_create_never_overwrites(tmp_path: Path) -> None:
    create_migration(tmp_path, "x", sequential=False, now=NOW)
    with pytest.raises(MigrationError, match="already exists"):
        create_migration(tmp_path, "x", sequential=False, now=NOW)


def test_create_rejects_names_without_letters_or_digits(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="has no letters or digits"):
        create_migration(tmp_path, "!!", sequential=True, now=NOW)


@pytest.mark.parametrize(
    ("version", "timestamp", "sequential"),
    [
        (1, False, True),
        (20240101120000, True, False),
        (20241301120000, False, True),  # month 13: not a timestamp
        (19691231235959, False, True),  # before the epoch: goose counts it as sequential
        (19700101000000, False, False),  # the epoch itself: neither, as in goose
        (202401011200001, False, True),  # 15 digits
    ],
)
def test_timestamp_or_sequential(version: int, timestamp: bool, sequential: bool) -> None:
    assert (is_timestamp(version), is_sequential(version)) == (timestamp, sequential)


def test_fix_renumbers_timestamps_after_the_last_sequential(tmp_path: Path) -> None:
    for name in (
        "00001_a.sql",
        "00002_b.sql",
        "20240101120000_c.sql",
        "20240102120000_d.sql",
        "README.md",
    ):
        (tmp_path / name).write_text(name, encoding="utf-8")
    renames = fix_directory(tmp_path)
    assert [(r.old.name, r.new.name) for r in renames] == [
        ("20240101120000_c.sql", "00003_c.sql"),
        ("20240102120000_d.sql", "00004_d.sql"),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "00001_a.sql",
        "00002_b.sql",
        "00003_c.sql",
        "00004_d.sql",
        "README.md",
    ]
    assert (tmp_path / "00003_c.sql").read_text(encoding="utf-8") == "20240101120000_c.sql"
    assert fix_directory(tmp_path) == ()
