"""Which migrations folder(s) and database(s) a command acts on.

``--service NAME`` / ``--all`` take both from the platform config and the local stack;
``--dir PATH [--dsn URL]`` names any goose folder and database directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from avion_migrate.errors import MigrationError
from avion_migrate.runner import Target

if TYPE_CHECKING:
    from avion_workspace.config import Platform

# A database name → its DSN (credentials from the local stack).
DsnResolver = Callable[[str], str]


class ServiceLike(Protocol):
    """What targets need of a configured service (see ``avion_workspace.config``)."""

    @property
    def name(self) -> str: ...
    @property
    def database(self) -> str | None: ...
    @property
    def migrations_dir(self) -> str: ...


@dataclass(frozen=True)
class Selection:
    """The target options of one task invocation."""

    service: str | None = None
    all_services: bool = False
    directory: str | None = None
    dsn: str | None = None

    def uses_config(self) -> bool:
        return self.directory is None


def check_selection(selection: Selection) -> None:
    chosen = [
        flag
        for flag, on in (
            ("--service", selection.service is not None),
            ("--all", selection.all_services),
            ("--dir", selection.directory is not None),
        )
        if on
    ]
    if len(chosen) != 1:
        raise MigrationError(
            "choose what to migrate: exactly one of --service NAME, --all, --dir PATH"
            + (f" (got {' and '.join(chosen)})" if chosen else ""),
            hint="e.g. inv migrate.up --service auth, or --dir services/auth/migrations --dsn URL",
        )
    if selection.all_services and selection.dsn is not None:
        raise MigrationError(
            "--dsn cannot be used with --all: each service has its own database",
            hint="use --service NAME --dsn URL, or --dir PATH --dsn URL",
        )


def resolve_targets(
    selection: Selection,
    *,
    root: Path,
    services: Callable[[], Mapping[str, ServiceLike]],
    resolve_dsn: DsnResolver | None,
) -> tuple[Target, ...]:
    """The targets of ``selection``; ``resolve_dsn`` is ``None`` when no database is needed.

    ``services`` is called only for ``--service`` / ``--all`` (it loads the config).
    """
    check_selection(selection)
    if selection.directory is not None:
        directory = Path(selection.directory)
        return (Target(str(directory), directory, selection.dsn),)
    known = services()
    if selection.service is not None:
        service = known.get(selection.service)
        if service is None:
            raise MigrationError(
                f"unknown service {selection.service!r}",
                hint=f"services: {', '.join(known)}",
            )
        if service.database is None:
            raise MigrationError(f"service {service.name!r} has no database to migrate")
        chosen = [service]
    else:
        chosen = [s for s in known.values() if s.database is not None]
    targets = []
    for service in chosen:
        assert service.database is not None
        if selection.dsn is not None:
            dsn: str | None = selection.dsn
        elif resolve_dsn is not None:
            dsn = resolve_dsn(service.database)
        else:
            dsn = None
        targets.append(Target(service.name, root / service.migrations_dir, dsn))
    return tuple(targets)


def workspace_targets(
    selection: Selection,
    *,
    root: Path,
    config_dir: Path | None = None,
    env: str = "local",
    need_database: bool = True,
) -> tuple[Target, ...]:
    """:func:`resolve_targets` with the workspace's config and local stack credentials."""
    loaded: list[Platform] = []

    def platform() -> Platform:
        if not loaded:
            from avion_workspace.config import load_platform

            loaded.append(load_platform(config_dir or root / "config", env))
        return loaded[0]

    def services() -> Mapping[str, ServiceLike]:
        return platform().services

    def resolve_dsn(database: str) -> str:
        from avion_workspace.localenv import database_dsn

        dsn: str = database_dsn(root, platform(), database)
        return dsn

    resolver = resolve_dsn if need_database and selection.dsn is None else None
    return resolve_targets(selection, root=root, services=services, resolve_dsn=resolver)
