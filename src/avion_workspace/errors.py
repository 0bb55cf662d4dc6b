"""The engine's one root error type and the located problems user-facing errors carry.

Errors never print themselves: the task boundary (:mod:`avion_workspace.boundary`) alone turns
them into output and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from avion_migrate.errors import MigrationError


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
    """One user-facing problem: located, with a JSON path into the document when it has one."""

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

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (
            loc.file if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            self.json_path or "",
            self.message,
        )


class AvionError(Exception):
    """Root of every error the engine raises on purpose (a user's mistake, a missing tool...).

    ``exit_code`` is what the task boundary exits with; 1 unless a subclass says otherwise.
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


class ConfigError(AvionError):
    """The configuration is invalid; ``problems`` holds every problem found, located."""

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> ConfigError:
        unique = sorted(set(problems), key=Problem.sort_key)
        noun = "problem" if len(unique) == 1 else "problems"
        return cls(f"invalid configuration: {len(unique)} {noun}", problems=unique)


class RenderConflict(AvionError):
    """Rendering would overwrite or delete something it must not."""


class StaleRender(AvionError):
    """``render --check`` found generated files that differ from what config produces."""


class ToolMissing(AvionError):
    """An external program the task needs is not installed."""


# What the task boundary reports as the user's to fix (exit 1): the engine's errors and those of
# the migration library (avion_migrate, which cannot depend on the workspace).
USER_ERRORS: tuple[type[AvionError] | type[MigrationError], ...] = (AvionError, MigrationError)
