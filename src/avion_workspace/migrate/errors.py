"""User-facing errors of the migration engine, each located where it can be."""

from __future__ import annotations

from collections.abc import Sequence

from avion_workspace.errors import AvionError, Location, Problem


class MigrationError(AvionError):
    """Root of the migration engine's errors."""


class MigrationParseError(MigrationError):
    """A goose SQL file cannot be parsed; ``problems`` holds the located reason."""

    def __init__(self, file: str, line: int | None, reason: str, *, hint: str | None = None):
        self.file = file
        self.line = line
        self.reason = reason
        problem = Problem(reason, location=Location(file, line), hint=hint)
        super().__init__(f"cannot parse migration {file}", problems=[problem])


class MigrationSourceError(MigrationError):
    """The migrations folder is missing or holds files goose would reject."""


class MissingMigrationsError(MigrationError):
    """Unapplied files sit below the highest applied version (out-of-order)."""


class NothingToMigrate(MigrationError):
    """The command has nothing to do where goose also fails (up-by-one, down at version 0)."""


class MigrationFailed(MigrationError):
    """A statement failed; tells what was applied before the failure, like goose's PartialError."""

    def __init__(
        self,
        message: str,
        *,
        applied: Sequence[str],
        failed: str,
        statement: int,
        problems: Sequence[Problem] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, problems=problems)
        self.applied = tuple(applied)
        self.failed = failed
        self.statement = statement


class LockTimeout(MigrationError):
    """The migration lock was not acquired in time."""


class ChecksumMismatch(MigrationError):
    """``--strict``: an applied file was edited after it was applied."""


class DatabaseUnavailable(MigrationError):
    """The database cannot be reached."""


class DatabaseError(MigrationError):
    """The database refused something the engine itself does (not a migration statement)."""


class ServicesFailed(MigrationError):
    """``--all``: one or more services failed; each is a problem."""
