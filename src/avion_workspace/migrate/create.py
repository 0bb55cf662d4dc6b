"""``migrate.create``: a new goose SQL migration file, named and templated as goose names them."""

from __future__ import annotations

import fcntl
import os
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from avion_migrate.errors import MigrationError
from avion_migrate.source import MAX_VERSION, Source

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
MAX_NAME_BYTES = 255  # the file name limit of common file systems (NAME_MAX)


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
    """The version part of a new file's name: a UTC timestamp, or the next sequential number.

    A timestamp already used by a file (two creates in the same second) moves on to the next
    free second, so every file keeps its own version.
    """
    if not sequential:
        taken = {s.version for s in sources}
        moment = now.astimezone(UTC).replace(microsecond=0)
        while int(moment.strftime(TIMESTAMP_FORMAT)) in taken:
            moment += timedelta(seconds=1)
        return moment.strftime(TIMESTAMP_FORMAT)
    versioned = [s.version for s in sources if not is_timestamp(s.version)]
    following = (max(versioned) + 1) if versioned else 1
    if following > MAX_VERSION:
        raise MigrationError(
            f"the next sequential version {following} is larger than a 64-bit integer "
            f"(the folder has version {max(versioned)})",
            hint="renumber the migrations with small sequential versions (goose fix)",
        )
    return f"{following:05d}"


def migration_filename(version: str, name: str) -> str:
    snake = snake_case(name)
    if not snake.strip("_"):
        raise MigrationError(
            f"migration name {name!r} has no letters or digits",
            hint="e.g. inv migrate.create add_user_index --service auth",
        )
    filename = f"{version}_{snake}.sql"
    # A file name is at most 255 bytes; leave room for the longest version (19 digits).
    if len(f"{MAX_VERSION}_{snake}.sql".encode()) > MAX_NAME_BYTES:
        raise MigrationError(
            f"migration name {name[:40]!r}... is too long for a file name "
            f"({len(snake.encode())} bytes)",
            hint="use a short name (a few words); describe the change in the file",
        )
    return filename


@contextmanager
def _folder_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself: two creates never pick the same version."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def create_migration(
    directory: Path, name: str, *, sequential: bool, now: datetime | None = None
) -> Path:
    """Write a new migration file from goose's template; never overwrites one."""
    filename = migration_filename("0", name)  # the name is checked before anything is made
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(directory, exc) from None
    if not directory.is_dir():
        raise MigrationError(
            f"{directory}: not a folder; cannot create a migration in it",
            hint="name the migrations folder (a real folder, not a file or pipe)",
        )
    with _folder_lock(directory):
        sources = _lenient_sources(directory)
        version = next_version(sources, sequential=sequential, now=now or datetime.now(UTC))
        path = directory / (version + filename[1:])
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(SQL_TEMPLATE)
        except FileExistsError:
            raise MigrationError(f"{path} already exists", hint="pick another name") from None
        except OSError as exc:
            raise _unwritable(path, exc) from None
    return path


def _unwritable(path: Path, exc: OSError) -> MigrationError:
    return MigrationError(
        f"{path}: cannot write: {exc.strerror or type(exc).__name__}",
        hint="name a writable migrations folder and a short migration name",
    )


def _lenient_sources(directory: Path) -> tuple[Source, ...]:
    """The folder's migrations, duplicates included (create must work in a folder that fix
    is about to repair)."""
    from avion_workspace.migrate.fix import scan_sources

    return scan_sources(directory)
