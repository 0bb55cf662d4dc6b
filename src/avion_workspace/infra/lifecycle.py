"""Bringing the local stack up, provisioning it and migrating it: the engine behind ``inv setup``
and ``inv infra.*`` (no printing here; :mod:`avion_workspace.infra.cli` does that).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.errors import BackendUnavailable, ComponentMissing, InfraError
from avion_workspace.infra.stack import (
    COMPONENTS,
    Backend,
    ComponentStatus,
    Credentials,
    Endpoints,
    Reporter,
    admin_dsn,
    missing_components,
    state_dir,
)

if TYPE_CHECKING:
    from avion_migrate.runner import RunResult

BACKENDS = ("docker", "native")
BACKEND_FILE = "backend"


@dataclass(frozen=True)
class BackendChoice:
    name: str
    reason: str


def recorded_backend(root: Path) -> str | None:
    try:
        name = (state_dir(root) / BACKEND_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name if name in BACKENDS else None


def record_backend(root: Path, name: str) -> None:
    path = state_dir(root) / BACKEND_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8").strip() != name:
        path.write_text(name + "\n", encoding="utf-8")


def choose_backend(
    root: Path, requested: str | None, docker_answers: Callable[[], bool]
) -> BackendChoice:
    """``--backend`` when given; else the backend the stack was brought up with; else docker
    when an engine answers a ping; else native."""
    if requested:
        if requested not in BACKENDS:
            raise AvionError(
                f"unknown backend {requested!r}", hint=f"use one of: {', '.join(BACKENDS)}"
            )
        return BackendChoice(requested, "--backend")
    recorded = recorded_backend(root)
    if recorded:
        return BackendChoice(recorded, f"recorded in {state_dir(root).name}/{BACKEND_FILE}")
    if docker_answers():
        return BackendChoice("docker", "a Docker engine answers")
    return BackendChoice("native", "no Docker engine answers")


def docker_answers() -> bool:
    from avion_workspace.infra.docker_backend import connect_docker

    try:
        connect_docker(timeout=1.0)
    except BackendUnavailable:
        return False
    return True


def make_backend(
    name: str, root: Path, platform: Platform, creds: Credentials, *, tools_root: Path | None = None
) -> Backend:
    if name == "native":
        from avion_workspace.infra.native import NativeBackend

        return NativeBackend(root, platform, creds, tools_root=tools_root)
    from avion_workspace.infra.compose import COMPOSE_FILE, load_compose
    from avion_workspace.infra.docker_backend import DockerBackend, connect_docker

    compose = root / COMPOSE_FILE
    if not compose.is_file():
        raise InfraError(
            f"{compose} does not exist", hint="run `inv render` (or `inv setup`) to generate it"
        )
    project = load_compose(compose.read_text(encoding="utf-8"), creds.env, root)
    return DockerBackend(connect_docker(), project, Endpoints.of(platform))


def provision(
    platform: Platform,
    creds: Credentials,
    reporter: Reporter,
    statuses: Mapping[str, ComponentStatus],
) -> list[str]:
    """Roles and databases, buckets: created or fixed where they differ from config and ``.env``.

    Redis ACL users need no step here: the native backend writes them into the server's ACL
    file, the docker one passes them on the server's command line.
    """
    endpoints = Endpoints.of(platform)
    changes: list[str] = []
    if statuses["postgres"].ok:
        import psycopg

        from avion_workspace.infra.pg_provision import DatabaseSpec, ensure_databases

        reporter.update("postgres", "roles and databases")
        specs = [
            DatabaseSpec(db.name, db.owner, creds.database_password(db.name))
            for db in platform.postgres.databases.values()
        ]
        try:
            with psycopg.connect(
                admin_dsn(creds, endpoints), autocommit=True, connect_timeout=10
            ) as conn:
                changes += ensure_databases(conn, specs)
        except psycopg.OperationalError as exc:
            raise InfraError(
                f"cannot connect to PostgreSQL as its superuser: {str(exc).strip()}",
                hint="the server's superuser password must be POSTGRES_PASSWORD from .env",
            ) from None
    if statuses["s3"].ok:
        from avion_workspace.infra.s3 import ensure_buckets, s3_client

        reporter.update("s3", "buckets")
        client = s3_client(endpoints.url("s3"), creds.s3_access_key, creds.s3_secret_key)
        changes += ensure_buckets(client, platform.object_storage.buckets.values())
    return changes


def migrate_all_services(root: Path, config_dir: Path) -> list[RunResult]:
    """``inv migrate.up --all`` through the migration engine; returns one result per service."""
    from avion_migrate.runner import Command, RunOptions

    from avion_workspace.migrate.commands import run_migration
    from avion_workspace.migrate.targets import Selection

    discard: list[str] = []
    with contextlib.chdir(root):  # the migration commands find the workspace from the cwd
        return run_migration(
            Selection(all_services=True),
            Command.UP,
            options=RunOptions(),
            config_dir=str(config_dir),
            echo=discard.append,
        )


def require_components(statuses: Mapping[str, ComponentStatus]) -> None:
    """Raise :class:`ComponentMissing` naming each component that cannot be run, and how to get it."""
    missing = missing_components(statuses, COMPONENTS)
    if not missing:
        return
    from avion_workspace.errors import Problem

    problems = [Problem(f"{name}: not available", hint=statuses[name].detail) for name in missing]
    raise ComponentMissing(
        f"{len(missing)} component(s) the local environment requires cannot run here: {', '.join(missing)}",
        hint="install them as each hint says (`inv doctor` lists every prerequisite), then run `inv setup` again",
        problems=problems,
    )
