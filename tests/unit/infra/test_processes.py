"""Detached processes and pid files: real child processes, pid reuse never mistaken."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from avion_workspace.infra.processes import (
    PidFile,
    PidRecord,
    parse_stat,
    process_start_time,
    spawn_detached,
    stop_process,
)


def test_parse_stat_survives_spaces_and_parentheses_in_the_command() -> None:
    fields = " ".join(str(n) for n in range(4, 23))
    state, start = parse_stat(f"123 (my (odd) cmd) S {fields} 99 100")
    assert state == "S"
    assert start == 22


def test_pid_record_round_trip_and_garbage() -> None:
    assert PidRecord.parse(PidRecord(12, 345).text()) == PidRecord(12, 345)
    assert PidRecord.parse("12") is None
    assert PidRecord.parse("abc def") is None


def test_spawned_process_is_detached_tracked_and_stopped(tmp_path: Path) -> None:
    pid_file = PidFile(tmp_path / "run" / "sleeper.pid")
    pid = spawn_detached(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
        log=tmp_path / "sleeper.log",
        cwd=tmp_path,
        pid_file=pid_file,
    )
    assert pid_file.live_pid() == pid
    assert os.getsid(pid) == pid  # its own session: Ctrl-C in our terminal does not reach it
    assert stop_process(pid_file) is True
    assert process_start_time(pid) is None
    assert not pid_file.path.exists()
    assert stop_process(pid_file) is False


def test_a_pid_reused_by_another_process_is_not_ours(tmp_path: Path) -> None:
    pid_file = PidFile(tmp_path / "x.pid")
    start = process_start_time(os.getpid())
    assert start is not None
    pid_file.path.write_text(PidRecord(os.getpid(), start + 1).text())
    assert pid_file.live_pid() is None
    assert not pid_file.path.exists()  # the stale file is cleaned up


def test_a_pid_file_of_a_dead_process_is_stale(tmp_path: Path) -> None:
    pid_file = PidFile(tmp_path / "x.pid")
    pid = spawn_detached(
        [sys.executable, "-c", "import time; time.sleep(0.2)"],
        log=tmp_path / "l",
        cwd=tmp_path,
        pid_file=pid_file,
    )
    os.waitpid(pid, 0)
    assert pid_file.live_pid() is None
