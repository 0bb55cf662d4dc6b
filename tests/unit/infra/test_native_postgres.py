"""The native stack's PostgreSQL: the pinned one, installed on first setup; never PATH's."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace import tools
from avion_workspace.config import load_platform
from avion_workspace.infra.native import PostgresComponent
from avion_workspace.infra.stack import Credentials, Endpoints
from avion_workspace.localenv import credential_names
from tests.support import fixture_config_dir

PLATFORM = load_platform(fixture_config_dir())
CREDS = Credentials.of(dict.fromkeys(credential_names(PLATFORM), "x"))


def fake_server(bin_dir: Path, version: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("initdb", "pg_ctl", "postgres"):
        (bin_dir / name).write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
        (bin_dir / name).chmod(0o755)


def component(tools_root: Path) -> PostgresComponent:
    return PostgresComponent(tools_root, tools_root, Endpoints.of(PLATFORM), CREDS, "17")


def test_a_machine_postgres_on_path_does_not_stop_the_pinned_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_server(tmp_path / "usr" / "bin", "15.14")  # the machine's own, on PATH
    monkeypatch.setenv("PATH", str(tmp_path / "usr" / "bin"))
    monkeypatch.delenv("AVION_PG_BIN", raising=False)
    installed = []

    def install(root: Path, name: str, progress: tools.Progress) -> tuple[Path, bool]:
        home = tools.tool_home(root, tools.TOOLS[name])
        fake_server(home / "bin", "17.10")
        installed.append(name)
        return home / "bin" / "postgres", True

    monkeypatch.setattr(tools, "install_tool", install)
    binary = component(tmp_path).binary(install=True)
    assert installed == ["postgres"]
    assert binary.path == tools.tool_home(tmp_path, tools.TOOLS["postgres"]) / "bin" / "postgres"


def test_an_explicit_fallback_of_another_major_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_server(tmp_path / "pg15", "15.14")
    monkeypatch.setenv("AVION_PG_BIN", str(tmp_path / "pg15"))
    binary = component(tmp_path).binary(install=True)
    assert binary.path is None
    assert binary.how_to_get.startswith(
        "PostgreSQL 15.14 is not the major version config names (17)"
    )


def test_without_any_server_installed_nothing_runs_and_logs_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AVION_PG_BIN", raising=False)
    postgres = component(tmp_path)
    assert not postgres.running()  # so `inv infra.down` stops the rest instead of failing
    assert postgres.log_file() == tmp_path / ".avion" / "postgres" / "postgres.log"
