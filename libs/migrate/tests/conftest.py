"""Fixtures for avion_migrate's tests: one throwaway PostgreSQL per run, a database per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from avion_migrate.testing import PostgresUnavailable, TemporaryPostgres, temporary_postgres


def unavailable(message: str) -> None:
    """A prerequisite is missing: fail in CI (it must install it), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI must install every tool the tests need)")
    pytest.skip(message)


@dataclass(frozen=True)
class Database:
    name: str
    dsn: str


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    try:
        with temporary_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        unavailable(str(exc))


_counter = itertools.count(1)


@pytest.fixture
def fresh_database(postgres_server: TemporaryPostgres) -> Iterator[Database]:
    name = f"test_{os.getpid()}_{next(_counter)}"
    dsn = postgres_server.create_database(name)
    try:
        yield Database(name, dsn)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(name="unavailable")
def unavailable_fixture() -> object:
    return unavailable
