"""What a command would do, decided from the files and goose's version table. Pure.

The rules are goose's (``up.go``, ``down.go``, ``redo.go``, ``migrate.go``): the current version
is the newest row by id, so rollbacks follow the order migrations were applied; up applies
files above the highest recorded version, and files below it that were never applied are
"missing": an error unless ``allow_missing``, in which case they are applied first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from avion_migrate.errors import (
    Location,
    MigrationSourceError,
    MissingMigrationsError,
    NothingToMigrate,
    Problem,
)
from avion_migrate.parser import Direction
from avion_migrate.source import MAX_VERSION, Source


@dataclass(frozen=True)
class VersionRow:
    """One row of ``goose_db_version``."""

    id: int
    version: int
    is_applied: bool
    tstamp: datetime | None = None


@dataclass(frozen=True)
class DbState:
    """The version table, rows newest id first (as goose's ListMigrations returns them)."""

    rows: tuple[VersionRow, ...]
    table_exists: bool = True

    @classmethod
    def of(cls, rows: Sequence[VersionRow], *, table_exists: bool = True) -> DbState:
        return cls(tuple(sorted(rows, key=lambda r: r.id, reverse=True)), table_exists)

    def current_version(self) -> int:
        """goose's EnsureDBVersion: the newest row whose latest record says applied."""
        seen: set[int] = set()
        for row in self.rows:
            if row.version in seen:
                continue
            if row.is_applied:
                return row.version
            seen.add(row.version)
        return 0

    def recorded_versions(self) -> frozenset[int]:
        """Every version with a row (goose's up considers any row as applied)."""
        return frozenset(row.version for row in self.rows)

    def max_version(self) -> int:
        return max((row.version for row in self.rows), default=0)

    def latest(self) -> Mapping[int, VersionRow]:
        """The newest row of each version."""
        latest: dict[int, VersionRow] = {}
        for row in self.rows:
            latest.setdefault(row.version, row)
        return latest

    def applied(self) -> Mapping[int, VersionRow]:
        """Versions whose newest row says applied, with that row (version 0 excluded)."""
        return {v: r for v, r in self.latest().items() if r.is_applied and v != 0}

    def without(self, version: int) -> DbState:
        """The state after rolling ``version`` back (goose deletes its rows)."""
        return DbState(tuple(r for r in self.rows if r.version != version), self.table_exists)


@dataclass(frozen=True)
class Step:
    """Run one file in one direction."""

    source: Source
    direction: Direction


def _by_version(sources: Sequence[Source]) -> dict[int, Source]:
    return {s.version: s for s in sources}


def missing_problem(source: Source) -> Problem:
    return Problem(
        f"version {source.version} was never applied but is below the database's highest "
        "applied version",
        location=Location(str(source.path)),
    )


def plan_up(
    sources: Sequence[Source],
    state: DbState,
    *,
    target: int = MAX_VERSION,
    allow_missing: bool = False,
    by_one: bool = False,
) -> tuple[Step, ...]:
    """Files to apply, in order: goose's UpTo (and UpByOne with ``by_one``)."""
    found = [s for s in sources if 0 < s.version <= target]
    recorded = state.recorded_versions()
    db_max = state.max_version()
    missing = [s for s in found if s.version not in recorded and s.version < db_max]
    if missing and not allow_missing:
        noun = "migration" if len(missing) == 1 else "migrations"
        raise MissingMigrationsError(
            f"found {len(missing)} missing {noun} before current version {db_max}",
            problems=[missing_problem(s) for s in missing],
            hint="apply them out of order with --allow-missing, or renumber them above "
            f"{db_max} (inv migrate.fix renumbers timestamped files)",
        )
    pending = [s for s in found if s.version not in recorded and s.version > db_max]
    steps = [Step(s, Direction.UP) for s in (*(missing if allow_missing else ()), *pending)]
    if by_one:
        if not steps:
            raise NothingToMigrate(
                f"no next version found: the database is at version {state.current_version()} "
                "and nothing is pending",
            )
        return (steps[0],)
    return tuple(steps)


def _rollback_source(sources: Sequence[Source], version: int) -> Source:
    source = _by_version(sources).get(version)
    if source is None:
        raise MigrationSourceError(
            f"version {version} is applied but no migration file has that version",
            hint="restore the file (git log -- <migrations folder>) to roll it back",
        )
    return source


def plan_down(sources: Sequence[Source], state: DbState) -> tuple[Step, ...]:
    """Roll back the most recently applied migration (goose's Down)."""
    current = state.current_version()
    if current == 0:
        raise NothingToMigrate("no migration to roll back: the database is at version 0")
    return (Step(_rollback_source(sources, current), Direction.DOWN),)


def plan_down_to(sources: Sequence[Source], state: DbState, target: int) -> tuple[Step, ...]:
    """Roll back, newest applied first, until the current version is at or below ``target``.

    As goose's DownTo: it stops at the first applied migration at or below the target, even if
    migrations above the target were applied before it (out of order).
    """
    if target < 0:
        raise NothingToMigrate(f"invalid target version {target}: must be 0 or more")
    steps: list[Step] = []
    while True:
        current = state.current_version()
        if current == 0 or current <= target:
            return tuple(steps)
        steps.append(Step(_rollback_source(sources, current), Direction.DOWN))
        state = state.without(current)


def plan_redo(sources: Sequence[Source], state: DbState) -> tuple[Step, ...]:
    """Roll back the most recently applied migration and apply it again (goose's Redo)."""
    (down,) = plan_down(sources, state)
    return (down, Step(down.source, Direction.UP))


def plan_reset(sources: Sequence[Source], state: DbState) -> tuple[Step, ...]:
    """Roll back every applied migration, newest applied first."""
    return plan_down_to(sources, state, 0)
