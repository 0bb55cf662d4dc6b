"""Discovery of migration files: versions from names, duplicates, non-SQL files ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from avion_migrate.errors import MigrationSourceError
from avion_migrate.source import collect_sources, parse_version, sources_from_names


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("00001_init.sql", 1),
        ("1_init.sql", 1),
        ("20240101120000_add_index.sql", 20240101120000),
        ("+7_signed.sql", 7),
        ("00042_.sql", 42),
        ("3_a_b_c.sql", 3),
    ],
)
def test_version_is_the_numeric_prefix(name: str, version: int) -> None:
    assert parse_version(name) == version


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("init.sql", "no '_' separating the version from the name"),
        ("v1_init.sql", "version 'v1' is not an integer"),
        ("1_0_init.sql", None),
        ("0_zero.sql", "the version must be greater than zero"),
        ("-3_negative.sql", "the version must be greater than zero"),
        ("99999999999999999999_big.sql", "larger than a 64-bit integer"),
        ("1 _space.sql", "version '1 ' is not an integer"),
    ],
)
def test_invalid_names(name: str, reason: str | None) -> None:
    if reason is None:
        assert parse_version(name) == 1
        return
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        parse_version(name)


def test_only_sql_files_count_and_are_sorted_by_version(tmp_path: Path) -> None:
    for name in ("00010_c.sql", "00002_b.sql", "README.md", "notes.txt", "00003_x.sql.bak"):
        (tmp_path / name).write_text("-- +goose Up\n", encoding="utf-8")
    (tmp_path / "00004_dir.sql").mkdir()
    sources = collect_sources(tmp_path)
    assert [(s.version, s.name) for s in sources] == [(2, "00002_b.sql"), (10, "00010_c.sql")]


def test_duplicate_versions_name_both_files() -> None:
    with pytest.raises(MigrationSourceError) as caught:
        sources_from_names(Path("m"), ["00001_a.sql", "1_b.sql", "00002_c.sql"])
    (problem,) = caught.value.problems
    assert problem.message == "duplicate version 1: 00001_a.sql and 1_b.sql"


def test_every_bad_name_is_reported_at_once() -> None:
    with pytest.raises(MigrationSourceError) as caught:
        sources_from_names(Path("m"), ["init.sql", "x_y.sql", "00001_ok.sql"])
    assert caught.value.message == "invalid migrations folder m: 2 problems"
    assert [str(p.location) for p in caught.value.problems] == ["m/init.sql", "m/x_y.sql"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MigrationSourceError, match="does not exist"):
        collect_sources(tmp_path / "nope")
