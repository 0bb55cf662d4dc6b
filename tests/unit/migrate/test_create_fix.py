"""migrate.create (goose's names and template) and migrate.fix (timestamps → sequence)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationError
from avion_migrate.parser import parse_migration
from avion_migrate.source import collect_sources

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


def test_two_creates_in_the_same_second_get_distinct_versions(tmp_path: Path) -> None:
    first = create_migration(tmp_path, "x", sequential=False, now=NOW)
    second = create_migration(tmp_path, "x", sequential=False, now=NOW)
    third = create_migration(tmp_path, "other", sequential=False, now=NOW)
    assert [p.name for p in (first, second, third)] == [
        "20240309080706_x.sql",
        "20240309080707_x.sql",
        "20240309080708_other.sql",
    ]
    assert first.read_text() == SQL_TEMPLATE  # never overwritten
    assert [s.version for s in collect_sources(tmp_path)] == [
        20240309080706,
        20240309080707,
        20240309080708,
    ]


def test_concurrent_creates_never_share_a_version(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        paths = list(
            pool.map(
                lambda i: create_migration(tmp_path, f"m{i}", sequential=False, now=NOW),
                range(8),
            )
        )
    versions = [p.name.split("_")[0] for p in paths]
    assert len(set(versions)) == 8
    collect_sources(tmp_path)  # no duplicate version


def test_fix_repairs_a_folder_where_two_files_share_a_timestamp(tmp_path: Path) -> None:
    (tmp_path / "00001_base.sql").write_text(SQL_TEMPLATE)
    (tmp_path / "20240309080706_b.sql").write_text(SQL_TEMPLATE)
    (tmp_path / "20240309080706_a.sql").write_text(SQL_TEMPLATE)
    with pytest.raises(MigrationError) as info:
        collect_sources(tmp_path)
    assert "inv migrate.fix" in (info.value.problems[0].hint or "")
    renames = fix_directory(tmp_path)
    assert [(r.old.name, r.new.name) for r in renames] == [
        ("20240309080706_a.sql", "00002_a.sql"),
        ("20240309080706_b.sql", "00003_b.sql"),
    ]
    assert [s.name for s in collect_sources(tmp_path)] == [
        "00001_base.sql",
        "00002_a.sql",
        "00003_b.sql",
    ]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("0", 0),
        (" 42 ", 42),
        ("9223372036854775807", 9223372036854775807),
        ("9223372036854775808", None),
        ("99999999999999999999999999", None),
        ("-1", None),
        ("1e3", None),
    ],
)
def test_version_argument_is_a_64_bit_goose_version(text: str, ok: int | None) -> None:
    from avion_workspace.migrate.commands import parse_version_arg

    if ok is not None:
        assert parse_version_arg(text) == ok
    else:
        with pytest.raises(MigrationError):
            parse_version_arg(text)


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


@pytest.mark.parametrize("folder", [".git/migrations", "x/.git/m"])
def test_create_and_fix_never_write_under_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    from avion_workspace.migrate.commands import create, fix
    from avion_workspace.migrate.targets import Selection
    from avion_workspace.pathpolicy import UnsafePath

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafePath):
        create(Selection(directory=folder), "x", echo=lambda _: None)
    with pytest.raises(UnsafePath):
        fix(Selection(directory=folder), echo=lambda _: None)
    assert list(tmp_path.rglob("*.sql")) == []


def test_create_refuses_a_linked_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avion_workspace.migrate.commands import create
    from avion_workspace.migrate.targets import Selection
    from avion_workspace.pathpolicy import UnsafePath

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "linked").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.chdir(tmp_path / "ws")
    with pytest.raises(UnsafePath):
        create(Selection(directory="linked"), "x", echo=lambda _: None)
    assert list(elsewhere.iterdir()) == []


def test_create_refuses_a_service_migrations_folder_that_is_itself_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avion_migrate.runner import Target

    from avion_workspace.migrate.commands import _writable
    from avion_workspace.migrate.targets import Selection
    from avion_workspace.pathpolicy import UnsafePath

    root = tmp_path / "ws"
    (root / "config").mkdir(parents=True)
    (root / "tasks.py").write_text("")
    (root / "services/auth").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "services/auth/migrations").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.chdir(root)
    target = Target("auth", root / "services/auth/migrations", None)
    with pytest.raises(UnsafePath) as caught:
        _writable(Selection(service="auth"), target)
    assert caught.value.hint
    assert "services/auth/migrations" in str(caught.value)


def test_create_refuses_a_dir_inside_git_through_a_linked_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avion_workspace.migrate.commands import create
    from avion_workspace.migrate.targets import Selection
    from avion_workspace.pathpolicy import UnsafePath

    (tmp_path / ".git/hooks").mkdir(parents=True)
    (tmp_path / "gitlink").symlink_to(tmp_path / ".git", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafePath):
        create(Selection(directory="gitlink/hooks"), "x", echo=lambda _: None)
    assert list((tmp_path / ".git/hooks").iterdir()) == []


@pytest.mark.parametrize("kind", ["empty", "missing", "file", "fifo"])
def test_create_refuses_a_dir_that_is_no_existing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    import os

    from avion_workspace.errors import USER_ERRORS
    from avion_workspace.migrate.commands import create
    from avion_workspace.migrate.targets import Selection

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    directory = {"empty": "", "missing": str(tmp_path / "nonexistent/x")}.get(kind, "thing")
    if kind == "file":
        (work / "thing").write_text("x")
    if kind == "fifo":
        os.mkfifo(work / "thing")
    with pytest.raises(USER_ERRORS) as caught:
        create(Selection(directory=directory), "x", echo=lambda _: None)
    assert caught.value.hint
    assert caught.value.exit_code == 1
    assert not (tmp_path / "nonexistent").exists()
    assert sorted(p.name for p in work.iterdir()) == (
        [] if kind in ("empty", "missing") else ["thing"]
    )


def test_create_refuses_a_name_too_long_for_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(MigrationError) as caught:
        create_migration(tmp_path, "a" * 300, sequential=False, now=NOW)
    assert caught.value.hint
    assert list(tmp_path.iterdir()) == []


def test_create_sequential_refuses_a_version_past_64_bits(tmp_path: Path) -> None:
    (tmp_path / "9223372036854775807_max.sql").write_text("-- +goose Up\n", encoding="utf-8")
    with pytest.raises(MigrationError) as caught:
        create_migration(tmp_path, "next", sequential=True, now=NOW)
    assert "64-bit" in str(caught.value)
    assert caught.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["9223372036854775807_max.sql"]
