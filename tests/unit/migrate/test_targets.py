"""--service / --all / --dir --dsn resolution, with an injected config and DSN resolver."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationError
from avion_migrate.runner import Target

from avion_workspace.migrate.targets import Selection, resolve_targets

ROOT = Path("/ws")


@dataclass(frozen=True)
class FakeService:
    name: str
    database: str | None

    @property
    def migrations_dir(self) -> str:
        return f"services/{self.name}/migrations"


SERVICES = {
    "auth": FakeService("auth", "avion_auth_db"),
    "gateway": FakeService("gateway", None),
    "system-admin": FakeService("system-admin", "avion_system_admin_db"),
}


def resolve(selection: Selection, *, need_db: bool = True) -> tuple[Target, ...]:
    return resolve_targets(
        selection,
        root=ROOT,
        services=lambda: SERVICES,
        resolve_dsn=(lambda db: f"postgresql://local/{db}") if need_db else None,
    )


def test_service_uses_its_folder_and_local_database() -> None:
    assert resolve(Selection(service="auth")) == (
        Target("auth", ROOT / "services/auth/migrations", "postgresql://local/avion_auth_db"),
    )


def test_all_takes_every_service_with_a_database_in_config_order() -> None:
    targets = resolve(Selection(all_services=True))
    assert [(t.name, t.dsn) for t in targets] == [
        ("auth", "postgresql://local/avion_auth_db"),
        ("system-admin", "postgresql://local/avion_system_admin_db"),
    ]


def test_dir_and_dsn_need_no_config() -> None:
    def no_config() -> dict[str, FakeService]:
        raise AssertionError("config must not be loaded for --dir")

    targets = resolve_targets(
        Selection(directory="db/migrations", dsn="postgresql://x/y"),
        root=ROOT,
        services=no_config,
        resolve_dsn=None,
    )
    assert targets == (Target("db/migrations", Path("db/migrations"), "postgresql://x/y"),)


def test_no_database_needed_means_no_dsn() -> None:
    assert resolve(Selection(service="auth"), need_db=False)[0].dsn is None


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(), "choose what to migrate: exactly one of --service NAME, --all, --dir PATH"),
        (
            Selection(service="auth", all_services=True),
            "choose what to migrate: exactly one of --service NAME, --all, --dir PATH "
            "(got --service and --all)",
        ),
        (Selection(all_services=True, dsn="postgresql://x"), "--dsn cannot be used with --all"),
        (Selection(service="nope"), "unknown service 'nope'"),
        (Selection(service="gateway"), "service 'gateway' has no database to migrate"),
    ],
)
def test_selection_errors(selection: Selection, message: str) -> None:
    with pytest.raises(MigrationError) as caught:
        resolve(selection)
    assert caught.value.message.startswith(message)
