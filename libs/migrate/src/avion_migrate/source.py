"""Migration files of one folder: discovery, versions from names, duplicates, checksums.

As goose: only ``*.sql`` directly in the folder count (anything else, a README say, is ignored);
every one of them must be named ``<version>_<name>.sql`` with a positive integer version.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from avion_migrate.errors import (
    Location,
    MigrationParseError,
    MigrationSourceError,
    Problem,
)
from avion_migrate.parser import ParsedMigration, parse_migration

MAX_VERSION = 2**63 - 1
_GO_INT = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class Source:
    """One migration file: its version and where it is."""

    version: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class LoadedSource:
    """A source read and parsed: the parsed statements and the checksum of its bytes."""

    source: Source
    parsed: ParsedMigration
    checksum: str


def parse_version(filename: str) -> int:
    """The version of ``<version>_<name>.sql`` (goose's NumericComponent); ``ValueError`` if none."""
    if not filename.endswith(".sql"):
        raise ValueError("a migration file name must end in .sql")
    prefix, separator, _ = filename.partition("_")
    if not separator:
        raise ValueError("no '_' separating the version from the name")
    if not _GO_INT.fullmatch(prefix):
        raise ValueError(f"version {prefix!r} is not an integer")
    version = int(prefix)
    if version > MAX_VERSION:
        raise ValueError(f"version {prefix} is larger than a 64-bit integer")
    if version < 1:
        raise ValueError("the version must be greater than zero")
    return version


def sources_from_names(directory: Path, names: Iterable[str]) -> tuple[Source, ...]:
    """Sources for the ``.sql`` names among ``names``, sorted by version; every problem at once."""
    problems: list[Problem] = []
    by_version: dict[int, list[str]] = {}
    for name in sorted(names):
        if not name.endswith(".sql"):
            continue
        try:
            version = parse_version(name)
        except ValueError as exc:
            problems.append(
                Problem(
                    f"not a migration file name: {exc}",
                    location=Location(str(directory / name)),
                    hint="name it <version>_<description>.sql, e.g. 00002_add_index.sql",
                )
            )
            continue
        by_version.setdefault(version, []).append(name)
    for version, files in sorted(by_version.items()):
        if len(files) > 1:
            problems.append(
                Problem(
                    f"duplicate version {version}: " + " and ".join(files),
                    location=Location(str(directory / files[1])),
                    hint="give each file its own version (inv migrate.fix renumbers timestamps)",
                )
            )
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise MigrationSourceError(
            f"invalid migrations folder {directory}: {len(problems)} {noun}", problems=problems
        )
    return tuple(
        Source(version, directory / files[0]) for version, files in sorted(by_version.items())
    )


def collect_sources(directory: Path) -> tuple[Source, ...]:
    """Every migration file in ``directory``, sorted by version."""
    if not directory.is_dir():
        raise MigrationSourceError(
            f"migrations folder {directory} does not exist",
            hint="pass --dir PATH to a goose migrations folder, or create one with migrate.create",
        )
    names = [entry.name for entry in directory.iterdir() if not entry.is_dir()]
    return sources_from_names(directory, names)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(source: Source, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MigrationParseError(str(source.path), line, "not valid UTF-8 text") from None


def load_source(source: Source, env: Mapping[str, str]) -> LoadedSource:
    """Read and parse one file (both directions)."""
    data = source.path.read_bytes()
    parsed = parse_migration(decode(source, data), file=str(source.path), env=env)
    return LoadedSource(source, parsed, checksum(data))


def file_checksum(source: Source) -> str:
    return checksum(source.path.read_bytes())
