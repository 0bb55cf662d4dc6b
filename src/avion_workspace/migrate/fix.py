"""``migrate.fix``: renumber timestamped migration files sequentially, as ``goose fix`` does."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from avion_migrate.errors import Location, MigrationError, Problem
from avion_migrate.source import Source, collect_sources

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FOURTEEN_DIGITS = re.compile(r"[0-9]{14}")


def _as_timestamp(version: int) -> datetime | None:
    """The version read as goose's ``20060102150405`` layout, or ``None`` if it is not one."""
    text = str(version)
    if not _FOURTEEN_DIGITS.fullmatch(text):
        return None
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def is_timestamp(version: int) -> bool:
    """goose's "timestamped": parses as a timestamp after the Unix epoch."""
    moment = _as_timestamp(version)
    return moment is not None and moment > _EPOCH


def is_sequential(version: int) -> bool:
    """goose's "versioned": not a timestamp, or one before the Unix epoch."""
    moment = _as_timestamp(version)
    return moment is None or moment < _EPOCH


@dataclass(frozen=True)
class Rename:
    old: Path
    new: Path


def plan_fix(sources: Sequence[Source]) -> tuple[Rename, ...]:
    """Timestamped files get the versions after the last sequential one, in timestamp order."""
    sequential = [s.version for s in sources if is_sequential(s.version)]
    version = max(sequential) + 1 if sequential else 1
    renames = []
    for source in sources:
        if not is_timestamp(source.version):
            continue
        new_name = source.name.replace(str(source.version), f"{version:05d}", 1)
        renames.append(Rename(source.path, source.path.with_name(new_name)))
        version += 1
    return tuple(renames)


def fix_directory(directory: Path) -> tuple[Rename, ...]:
    """Rename the timestamped files of ``directory``; checks every target name first."""
    renames = plan_fix(collect_sources(directory))
    clashes = [r for r in renames if r.new.exists()]
    if clashes:
        raise MigrationError(
            "migrate.fix would overwrite existing files; nothing renamed",
            problems=[
                Problem(f"{r.old.name} would become {r.new.name}", location=Location(str(r.new)))
                for r in clashes
            ],
        )
    for rename in renames:
        rename.old.rename(rename.new)
    return renames
