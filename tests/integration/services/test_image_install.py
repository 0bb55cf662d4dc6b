"""The image's install steps without a container engine: from the exact build context, into a
fresh virtualenv, the workspace package without its dependencies. The result must run the
service's CLI and its migrations, with none of the workspace's CLI dependencies present."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest

from avion_workspace.config import load_platform
from avion_workspace.infra.postgres import PostgresServer
from avion_workspace.render.services import IMAGE_MIGRATIONS_DIR, scaffold
from avion_workspace.services.image import context_archive
from avion_workspace.services.pyenv import ServicesEnv, find_uv

from .conftest import DB_PASSWORD, ROOT

pytestmark = pytest.mark.integration


def run(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def test_the_image_install_runs_the_service_and_its_migrations(
    services_env: ServicesEnv,
    postgres_server: PostgresServer,
    auth_database: str,
    tmp_path: Path,
) -> None:
    platform = load_platform(ROOT / "config")
    s = scaffold(platform, platform.services["auth"])
    context = tmp_path / "context"
    with tarfile.open(fileobj=context_archive(ROOT, s)) as archive:
        archive.extractall(context, filter="data")
    uv, venv = str(find_uv()), tmp_path / "venv"
    python = str(venv / "bin/python")
    assert run([uv, "venv", "--quiet", str(venv)]).returncode == 0
    # The Dockerfile's install: the libraries and the service (no engine code).
    steps = [
        [
            uv, "pip", "install", "--quiet", "--python", python,
            *(str(context / "libs" / lib) for lib in s.libraries),
            str(context / s.directory),
        ],
    ]  # fmt: skip
    for argv in steps:
        result = run(argv)
        assert result.returncode == 0, result.stderr

    absent = run([python, "-c", "import avion_workspace"])
    assert "No module named 'avion_workspace'" in absent.stderr  # no engine in an image
    listed = run([python, "-m", "avion_auth", "settings"])
    assert listed.returncode == 0, listed.stderr
    assert "AUTH_DATABASE_PASSWORD: Secret, required, secret" in listed.stdout

    env = {
        **os.environ,
        "AUTH_DATABASE_HOST": "127.0.0.1",
        "AUTH_DATABASE_PORT": str(postgres_server.port),
        "AUTH_DATABASE_PASSWORD": DB_PASSWORD,  # and nothing about Redis: migrate needs none
        # as the image sets it, pointing at its copy of the migrations
        "AUTH_MIGRATIONS_DIR": str(context / s.directory / "migrations"),
    }
    assert IMAGE_MIGRATIONS_DIR in (ROOT / s.directory / "Dockerfile").read_text()
    migrated = run([python, "-m", "avion_auth", "migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "migration(s) to avion_auth_db" in migrated.stdout
    with psycopg.connect(postgres_server.dsn("avion_auth_db")) as conn:
        applied = conn.execute(
            "SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied"
        ).fetchone()
    files = list((ROOT / s.directory / "migrations").glob("*.sql"))
    assert applied == (len(files),)
