"""The service template under the real tools: hadolint, ruff, mypy, pytest, uv, inv itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.services.pyenv import ServicesEnv
from avion_workspace.services.targets import workspace_tool
from tests.support import copy_team_files, require_tool

from .conftest import ROOT

pytestmark = pytest.mark.integration

INV = str(Path(sys.executable).parent / "inv")
NEW = "notification-preferences-audit"  # long, and every kind of dependency below


def inv(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [INV, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_every_rendered_dockerfile_is_clean_under_hadolint() -> None:
    hadolint = require_tool("hadolint")
    services = load_platform(ROOT / "config").services
    dockerfiles = sorted(ROOT.glob("services/*/Dockerfile"))
    assert [p.parent.name for p in dockerfiles] == sorted(services)
    result = subprocess.run(
        [str(hadolint), "--no-color", *map(str, dockerfiles)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def ruff() -> str:
    return str(workspace_tool("ruff"))


def test_every_service_passes_its_lint_and_its_tests(services_env: ServicesEnv) -> None:
    require_tool("hadolint")
    services = list(load_platform(ROOT / "config").services)
    linted = inv(ROOT, "lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    tested = inv(ROOT, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    for name in services:
        assert f"── {name}: test" in tested.stdout
    assert tested.stdout.count(" passed in ") == len(services)
    assert " failed" not in tested.stdout


def test_build_makes_a_wheel_with_the_spec_and_its_types(tmp_path: Path) -> None:
    built = inv(ROOT, "build", "--service", "auth")
    assert built.returncode == 0, built.stderr
    (wheel,) = (ROOT / "dist/services/auth").glob("avion_auth-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "avion_auth/py.typed",
        "avion_auth/__main__.py",
        "avion_auth/spec.py",
    } <= names
    assert inv(ROOT, "clean", "--service", "auth").returncode == 0
    assert not (ROOT / "dist/services/auth").exists()
    assert (ROOT / "services/auth/src/avion_auth/api.py").is_file()  # sources stay


def test_docker_build_without_an_engine_says_which_engine_it_tried() -> None:
    result = inv(
        ROOT, "docker-build", "--service", "auth", env={"DOCKER_HOST": "unix:///nonexistent.sock"}
    )
    assert result.returncode == 1
    assert "error: no container engine: cannot reach Docker at unix:///nonexistent.sock" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def _workspace_copy(target: Path) -> None:
    for name in ("tasks.py", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "config", target / "config")
    copy_team_files(target)


def test_service_new_scaffolds_a_service_that_passes_its_own_checks(
    services_env: ServicesEnv, tmp_path: Path
) -> None:
    _workspace_copy(tmp_path)
    before = (tmp_path / "config/platform.yaml").read_text()
    added = inv(
        tmp_path,
        "service.new",
        NEW,
        "--description",
        "Audit trail of notification preference changes",
        "--redis",
        "cache",
        "--redis",
        "queue",
        "--buckets",
        "avion-logs",
        "--search",
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert f"added service {NEW}: database avion_notification_preferences_audit_db" in added.stdout
    after = (tmp_path / "config/platform.yaml").read_text()
    assert set(before.splitlines()) <= set(after.splitlines())  # only additions
    assert inv(tmp_path, "render", "--check").returncode == 0

    folder = tmp_path / "services" / NEW
    assert (folder / "src/avion_notification_preferences_audit/api.py").is_file()
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [ruff(), *args], cwd=folder, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
    env = {**os.environ, "MYPYPATH": "src", "PYTHONPATH": "src"}
    typed = subprocess.run(
        [str(services_env.bin("mypy"))],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout
    tested = subprocess.run(
        [str(services_env.python), "-m", "pytest", "-q"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr

    again = inv(tmp_path, "service.new", NEW)
    assert again.returncode == 1
    line = next(n for n, text in enumerate(after.splitlines(), 1) if text == f"  {NEW}:")
    assert f"config/platform.yaml:{line}:3: $.services.{NEW}: the service is defined here" in (
        again.stderr
    )
    assert f"error: service '{NEW}' already exists" in again.stderr
    assert (tmp_path / "config/platform.yaml").read_text() == after


def test_a_service_without_dependencies_is_valid_too(
    services_env: ServicesEnv, tmp_path: Path
) -> None:
    """The template's other extreme: no database, Redis, buckets or search (ready at once)."""
    from dataclasses import replace

    from avion_workspace.render.services import service_files, team_files

    platform = load_platform(ROOT / "config")
    bare = replace(
        platform.services["auth"],
        name="bare",
        database=None,
        database_owner=None,
        redis_namespaces=(),
        buckets=(),
        search=False,
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    files = {f.path: f.content for f in service_files(platform, bare)}
    files |= team_files(platform, bare)
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    folder = tmp_path / "services/bare"
    assert "    database=None,\n" in (folder / "src/avion_bare/spec.py").read_text()
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [ruff(), *args], cwd=folder, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
    env = {**os.environ, "MYPYPATH": "src", "PYTHONPATH": "src"}
    typed = subprocess.run(
        [str(services_env.bin("mypy"))],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout
    tested = subprocess.run(
        [str(services_env.python), "-m", "pytest", "-q"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_generate_compiles_a_services_protos_into_its_package(
    services_env: ServicesEnv, tmp_path: Path
) -> None:
    from avion_workspace.services.targets import protoc_steps

    auth = load_platform(ROOT / "config").services["auth"]
    proto = tmp_path / "services/auth/proto/avion/auth/v1/auth.proto"
    proto.parent.mkdir(parents=True)
    proto.write_text(
        'syntax = "proto3";\n'
        "package avion.auth.v1;\n"
        "service AuthService { rpc Ping(PingRequest) returns (PingReply); }\n"
        "message PingRequest {}\n"
        "message PingReply { string name = 1; }\n"
    )
    (tmp_path / "services/auth/src").mkdir()
    (step,) = protoc_steps(tmp_path, services_env, auth)
    assert step.run() == 0
    generated = tmp_path / "services/auth/src/avion/auth/v1"
    assert sorted(p.name for p in generated.iterdir()) == [
        "auth_pb2.py",
        "auth_pb2.pyi",
        "auth_pb2_grpc.py",
    ]
