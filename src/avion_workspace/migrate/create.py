"""``migrate.create``: a new goose SQL migration file, named and templated as goose names them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from avion_migrate.errors import MigrationError
from avion_migrate.source import Source, collect_sources

from avion_workspace.migrate.fix import is_timestamp

# goose's sqlMigrationTemplate (create.go), byte for byte.
SQL_TEMPLATE = """-- +goose Up
-- +goose StatementBegin
SELECT 'up SQL query';
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
SELECT 'down SQL query';
-- +goose StatementEnd
"""

TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def _is_alnum(char: str) -> bool:
    # Go: unicode.IsLetter || unicode.IsNumber
    return unicodedata.category(char)[0] in "LN"


def snake_case(text: str) -> str:
    """goose's snakeCase: letters/digits lowered, each run of separators one ``_``.

    It follows goose's small state machine exactly, including its quirk of keeping a single
    trailing ``_`` when the text ends in exactly one separator.
    """
    out: list[str] = []
    state = "idle"
    for char in text:
        alnum = _is_alnum(char)
        if state == "idle":
            state = "first" if alnum else "idle"
        elif state in ("first", "alnum"):
            state = "alnum" if alnum else "delimiter"
        else:  # delimiter
            state = "first" if alnum else "idle"
        if state in ("first", "alnum"):
            out.append(char.lower() if len(char.lower()) == 1 else char)
        elif state == "delimiter":
            out.append("_")
    result = "".join(out)
    if state == "idle":
        return result.removesuffix("_")
    return result


def next_version(sources: Sequence[Source], *, sequential: bool, now: datetime) -> str:
    """The version part of a new file's name: a UTC timestamp, or the next sequential number."""
    if not sequential:
        return now.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    versioned = [s.version for s in sources if not is_timestamp(s.version)]
    return f"{(max(versioned) + 1) if versioned else 1:05d}"


def migration_filename(version: str, name: str) -> str:
    snake = snake_case(name)
    if not snake.strip("_"):
        raise MigrationError(
            f"migration name {name!r} has no letters or digits",
            hint="e.g. inv migrate.create add_user_index --service auth",
        )
    return f"{version}_{snake}.sql"


def create_migration(
    directory: Path, name: str, *, sequential: bool, now: datetime | None = None
) -> Path:
    """Write a new migration file from goose's template; never overwrites one."""
    sources = collect_sources(directory) if directory.is_dir() else ()
    version = next_version(sources, sequential=sequential, now=now or datetime.now(UTC))
    path = directory / migration_filename(version, name)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(SQL_TEMPLATE)
    except FileExistsError:
        raise MigrationError(
            f"{path} already exists", hint="pick another name, or wait a second"
        ) from None
    return path
