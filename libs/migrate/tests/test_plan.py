"""What each command would do, decided from files and goose's version table (goose's rules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from avion_migrate.errors import (
    MigrationSourceError,
    MissingMigrationsError,
    NothingToMigrate,
)
from avion_migrate.parser import Direction
from avion_migrate.plan import (
    DbState,
    Step,
    VersionRow,
    plan_down,
    plan_down_to,
    plan_redo,
    plan_reset,
    plan_up,
)
from avion_migrate.source import Source

SOURCES = tuple(Source(v, Path(f"m/{v:05d}_m.sql")) for v in (1, 2, 3, 4))


def state(*versions: int) -> DbState:
    """Rows in the order the versions were applied (goose seeds version 0 first)."""
    return DbState.of([VersionRow(i, v, True) for i, v in enumerate((0, *versions), start=1)])


def versions(steps: tuple[Step, ...]) -> list[tuple[int, str]]:
    return [(s.source.version, s.direction.value) for s in steps]


def test_current_version_is_the_newest_row_not_the_highest_version() -> None:
    assert state(1, 3, 2).current_version() == 2
    assert state().current_version() == 0
    assert DbState(()).current_version() == 0


def test_legacy_not_applied_rows_are_skipped_for_the_current_version() -> None:
    rows = [
        VersionRow(1, 0, True),
        VersionRow(2, 1, True),
        VersionRow(3, 2, True),
        VersionRow(4, 2, False),
    ]
    assert DbState.of(rows).current_version() == 1


def test_up_applies_everything_above_the_highest_version_in_order() -> None:
    assert versions(plan_up(SOURCES, state(1))) == [(2, "up"), (3, "up"), (4, "up")]
    assert plan_up(SOURCES, state(1, 2, 3, 4)) == ()


def test_up_to_stops_at_the_target_and_up_by_one_takes_one() -> None:
    assert versions(plan_up(SOURCES, state(1), target=3)) == [(2, "up"), (3, "up")]
    assert versions(plan_up(SOURCES, state(1), by_one=True)) == [(2, "up")]


def test_up_by_one_with_nothing_pending_fails_like_goose() -> None:
    with pytest.raises(NothingToMigrate, match="no next version found"):
        plan_up(SOURCES, state(1, 2, 3, 4), by_one=True)


def test_unapplied_file_below_the_highest_version_is_missing() -> None:
    with pytest.raises(MissingMigrationsError) as caught:
        plan_up(SOURCES, state(1, 3))
    assert caught.value.message == "found 1 missing migration before current version 3"
    assert [str(p.location) for p in caught.value.problems] == ["m/00002_m.sql"]
    assert "--allow-missing" in (caught.value.hint or "")


def test_allow_missing_applies_missing_first_then_new() -> None:
    steps = plan_up(SOURCES, state(1, 3), allow_missing=True)
    assert versions(steps) == [(2, "up"), (4, "up")]


def test_down_rolls_back_the_most_recently_applied() -> None:
    assert versions(plan_down(SOURCES, state(1, 3, 2))) == [(2, "down")]


def test_down_at_version_zero_fails() -> None:
    with pytest.raises(NothingToMigrate, match="version 0"):
        plan_down(SOURCES, state())


def test_down_needs_the_file_of_the_applied_version() -> None:
    with pytest.raises(MigrationSourceError, match="version 9 is applied"):
        plan_down(SOURCES, state(1, 9))


def test_down_to_follows_applied_order_and_stops_like_goose() -> None:
    assert versions(plan_down_to(SOURCES, state(1, 2, 3, 4), 2)) == [(4, "down"), (3, "down")]
    assert versions(plan_down_to(SOURCES, state(1, 3, 2), 0)) == [
        (2, "down"),
        (3, "down"),
        (1, "down"),
    ]
    # goose stops at the first applied version at or below the target, newest first
    assert versions(plan_down_to(SOURCES, state(1, 3, 2), 2)) == []


def test_redo_is_down_then_up_of_the_current_version() -> None:
    assert versions(plan_redo(SOURCES, state(1, 2))) == [(2, "down"), (2, "up")]


def test_reset_rolls_everything_back_newest_applied_first() -> None:
    assert versions(plan_reset(SOURCES, state(2, 1, 3))) == [(3, "down"), (1, "down"), (2, "down")]


def test_state_without_removes_every_row_of_a_version() -> None:
    assert state(1, 2).without(2).current_version() == 1
    assert Direction.UP.value == "up"
