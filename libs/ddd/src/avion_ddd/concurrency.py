"""Optimistic concurrency: a write names the version it read; a stale one is a CONFLICT."""

from __future__ import annotations

from typing import Any

from avion_errors import CONFLICT, DomainError

from avion_ddd.model import AggregateRoot


def stale_version(aggregate: AggregateRoot[Any], stored_version: int | None) -> DomainError:
    """The error for a write of ``aggregate`` that another writer (or none) got to first.

    ``stored_version`` is what storage holds now (``None``: nothing is stored under the id).
    """
    kind = type(aggregate).__name__
    return DomainError(
        CONFLICT,
        f"{kind} {aggregate.id} was changed by someone else; reload it and try again",
        details={
            "aggregate": kind,
            "id": str(aggregate.id),
            "expected_version": aggregate.version,
            "stored_version": stored_version,
        },
    )


def check_version(aggregate: AggregateRoot[Any], stored_version: int | None) -> None:
    """Raise :func:`stale_version` unless ``aggregate`` was read at ``stored_version``.

    A new aggregate (version 0) expects nothing stored; a loaded one expects its own version.
    """
    expected = aggregate.version if aggregate.version > 0 else None
    if stored_version != expected:
        raise stale_version(aggregate, stored_version)
