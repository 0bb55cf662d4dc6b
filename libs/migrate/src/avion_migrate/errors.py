"""User-facing errors of the migration engine, each located where it can be.

Errors never print themselves: a caller (the workspace's task boundary, a service's ``migrate``
subcommand) turns :meth:`MigrationError.render` into output and an exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, and a 1-based line and column when known."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One user-facing problem, located when it can be, with a hint when there is one."""

    message: str
    location: Location | None = None
    json_path: str | None = None
    hint: str | None = None

    def render(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(f"{self.location}:")
        if self.json_path is not None:
            parts.append(f"{self.json_path}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class MigrationError(Exception):
    """Root of the migration engine's errors: a summary, a hint, and the located problems.

    ``exit_code`` is what a command line exits with (1: the user's to fix).
    """

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems: tuple[Problem, ...] = tuple(problems)

    def render(self) -> str:
        """The whole user-facing text: every problem, then the summary line and hint."""
        lines = [p.render() for p in self.problems]
        lines.append(f"error: {self.message}")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


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
