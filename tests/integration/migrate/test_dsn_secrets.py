"""A password given in --dsn never appears in output or logs, whatever is wrong with the DSN.

Real CLI runs (no database needed: every DSN here is malformed, or points at a closed port).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import run_inv

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Pw7Zq9SecretXx"  # pragma: allowlist secret

MALFORMED = {
    "scheme typo": f"postgresq://avion:{PASSWORD}@127.0.0.1:1/db",
    "other scheme": f"mysql://avion:{PASSWORD}@127.0.0.1:1/db",
    "unclosed IPv6 host": f"postgresql://avion:{PASSWORD}@[::1/db",
    "space in host": f"postgresql://avion:{PASSWORD}@ho st:1/db",
    "bad percent escape": f"postgresql://avion:{PASSWORD}%zz@127.0.0.1:1/db",  # pragma: allowlist secret
    "two @": f"postgresql://avion:{PASSWORD}@x@127.0.0.1:1/db",
    "port not a number": f"postgresql://avion:{PASSWORD}@127.0.0.1:port/db",
    "bad option": f"postgresql://avion:{PASSWORD}@127.0.0.1:1/db?sslmode=bogus",
    "keyword string missing =": f"host=127.0.0.1 port=1 password={PASSWORD} dbname",
    "unterminated quote": f"host=127.0.0.1 password='{PASSWORD}",
    "closed port": f"postgresql://avion:{PASSWORD}@127.0.0.1:1/db",
    "percent-encoded password": "postgresql://avion:"  # pragma: allowlist secret
    + "".join(f"%{ord(c):02X}" for c in PASSWORD)
    + "@127.0.0.1:1/db",
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_inv(*args, cwd=cwd, env={"TMPDIR": str(cwd)})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "00001_init.sql").write_text(
        "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n"
    )
    return tmp_path


@pytest.mark.parametrize("command", ["migrate.status", "migrate.up"])
@pytest.mark.parametrize("dsn", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_password_never_appears(folder: Path, dsn: str, command: str) -> None:
    result = run(command, "--dir", str(folder / "migrations"), "--dsn", dsn, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert PASSWORD not in output
    assert PASSWORD.lower() not in output.lower()
    assert "Traceback" not in output
    # a crash log, if any was written, must not hold it either
    for log in re.findall(r"log at (\S+)", output):
        assert PASSWORD not in Path(log).read_text()
    for log in folder.glob("avion-crash-*.log"):
        assert PASSWORD not in log.read_text()


def test_an_empty_dsn_is_an_error(folder: Path) -> None:
    env_pointing_somewhere = {"PGHOST": "127.0.0.1", "PGPORT": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "migrate.status",
            "--dir",
            str(folder / "migrations"),
            "--dsn",
            "",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env_pointing_somewhere},
    )
    assert result.returncode == 1
    assert "--dsn is empty" in result.stderr
    assert "cannot connect" not in result.stderr
