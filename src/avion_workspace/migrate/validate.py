"""``migrate.validate``: parse every file of a folder (both directions) without a database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from avion_migrate.errors import MigrationError, Problem
from avion_migrate.source import LoadedSource, collect_sources, load_source


@dataclass(frozen=True)
class FileSummary:
    """goose validate -v's columns: transaction, statement counts, name."""

    version: int
    file: str
    use_tx: bool
    up: int
    down: int


def summarize(loaded: LoadedSource) -> FileSummary:
    return FileSummary(
        loaded.source.version,
        loaded.source.name,
        loaded.parsed.use_tx,
        len(loaded.parsed.up),
        len(loaded.parsed.down),
    )


def validate_directory(directory: Path, env: Mapping[str, str]) -> tuple[FileSummary, ...]:
    """Summaries of every file; one bad file never hides the others' problems."""
    sources = collect_sources(directory)
    summaries: list[FileSummary] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            summaries.append(summarize(load_source(source, env)))
        except MigrationError as exc:
            problems.extend(exc.problems)
    if problems:
        noun = "file" if len(problems) == 1 else "files"
        raise MigrationError(
            f"{directory}: {len(problems)} invalid migration {noun}", problems=problems
        )
    return tuple(summaries)
