"""The migration commands' text and JSON, from result values (the engine is avion_migrate's)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from avion_migrate.errors import MigrationFailed
from avion_migrate.parser import Direction, Statement
from avion_migrate.runner import (
    ChecksumIssue,
    Command,
    MigrationStatus,
    Outcome,
    RunResult,
    StatusReport,
    StepResult,
    Target,
)

from avion_workspace.migrate import report

STEP = StepResult(
    1, "00001_a.sql", Direction.UP, True, (Statement("CREATE TABLE a (id int);", (2,)),)
)


def test_dry_run_lists_each_statement() -> None:
    result = RunResult("t", Command.UP, 0, 1, (STEP,), dry_run=True)
    assert report.format_run(result).splitlines() == [
        "t: dry run of up: version 0 -> 1, 1 file (nothing was changed)",
        "  up   00001_a.sql (transaction, 1 statement)",
        "    -- statement 1 (line 2)",
        "    CREATE TABLE a (id int);",
    ]


def test_an_edited_file_is_a_warning() -> None:
    edited = (ChecksumIssue(1, "00001_a.sql", "edited"),)
    result = RunResult("t", Command.UP, 1, 1, (), dry_run=False, edited=edited)
    assert report.format_run(result).splitlines() == [
        "t: no migrations to run; current version: 1",
        "  warning: 00001_a.sql (version 1) was edited after it was applied",
    ]


def test_status_text_and_json() -> None:
    applied = MigrationStatus(1, "00001_a.sql", "applied", datetime(2026, 1, 2, 3, 4, 5), "ok")
    pending = MigrationStatus(3, "00003_c.sql", "pending", None, None)
    status = StatusReport("svc", 1, True, (applied, pending))
    assert report.format_status(status).splitlines() == [
        "svc: version 1",
        "    Applied At                  Migration",
        "    =======================================",
        "    Fri Jan  2 03:04:05 2026 -- 00001_a.sql",
        "    Pending                  -- 00003_c.sql",
    ]
    (item,) = json.loads(report.status_json([status]))
    assert item["migrations"][1] == {
        "version": 3,
        "file": "00003_c.sql",
        "state": "pending",
        "applied_at": None,
        "checksum": None,
    }


def test_summary_names_each_target_and_its_failure() -> None:
    ok = RunResult("svc0", Command.UP, 0, 1, (STEP,), dry_run=False)
    failure = MigrationFailed(
        "00002_bad.sql: up statement 1 of 1 failed", applied=(), failed="00002_bad.sql", statement=1
    )
    outcomes = [
        Outcome(Target("svc0", Path("a"), None), ok, None, 0.01),
        Outcome(Target("svc2", Path("b"), None), None, failure, 0.02),
    ]
    lines = report.format_summary(outcomes).splitlines()
    assert lines[1].startswith("  svc0  ok      0 -> 1  1 file")
    assert lines[2].startswith("  svc2  FAILED  00002_bad.sql: up statement 1 of 1 failed")
