"""Ctrl-C in the middle of a NO TRANSACTION file: the message says which statements ran.

Real PostgreSQL, real ``inv migrate.up`` in a subprocess; the signal is sent once the database
shows the file's third statement running (polled, with a generous bound).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

NO_TX = """-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE first_done (id int);
CREATE TABLE second_done (id int);
SELECT pg_sleep(600);
CREATE TABLE never (id int);
-- +goose Down
DROP TABLE second_done;
DROP TABLE first_done;
"""


def _running_sleep(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE query LIKE 'SELECT pg_sleep(600)%' AND state = 'active'"
        ).fetchone()
    return bool(row and row[0])


def test_ctrl_c_in_a_no_transaction_file_says_which_statements_ran(
    tmp_path: Path,
    fresh_database,  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "00001_slow.sql").write_text(NO_TX)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoke",
            "migrate.up",
            "--dir",
            str(folder),
            "--dsn",
            fresh_database.dsn,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        for _ in range(1200):
            if proc.poll() is not None or _running_sleep(fresh_database.dsn):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the third statement never started")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert "statements 1-2 ran and were not rolled back" in err
    assert "statement 3 (line 5) was running" in err
    assert "00001_slow.sql:5" in err
    with psycopg.connect(fresh_database.dsn) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
    assert {"first_done", "second_done"} <= tables
    assert "never" not in tables
