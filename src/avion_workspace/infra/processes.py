"""Detached server processes tracked by pid files that survive the ``inv`` process.

A pid file holds the pid and the process's start time (field 22 of /proc/<pid>/stat), so a pid
reused by an unrelated process after a reboot or crash is never mistaken for our server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.infra.errors import InfraError

PROC = Path("/proc")


@dataclass(frozen=True)
class PidRecord:
    pid: int
    start_time: int

    def text(self) -> str:
        return f"{self.pid} {self.start_time}\n"

    @classmethod
    def parse(cls, text: str) -> PidRecord | None:
        parts = text.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            return None
        return cls(int(parts[0]), int(parts[1]))


def parse_stat(text: str) -> tuple[str, int]:
    """(state, start time) from the text of /proc/<pid>/stat; the command may contain spaces."""
    rest = text[text.rindex(")") + 2 :].split()
    # After "pid (comm) ", fields start at 3 (state); starttime is field 22.
    return rest[0], int(rest[19])


def process_start_time(pid: int, proc: Path = PROC) -> int | None:
    """The start time of a live (non-zombie) process, or None."""
    try:
        state, start = parse_stat((proc / str(pid) / "stat").read_text(encoding="ascii"))
    except (OSError, ValueError, IndexError):
        return None
    return None if state in ("Z", "X") else start


@dataclass(frozen=True)
class PidFile:
    path: Path

    def read(self) -> PidRecord | None:
        try:
            return PidRecord.parse(self.path.read_text(encoding="ascii"))
        except OSError:
            return None

    def live_pid(self) -> int | None:
        """The recorded pid if that very process still runs; a stale file is removed."""
        record = self.read()
        if record is None:
            return None
        if process_start_time(record.pid) == record.start_time:
            return record.pid
        self.path.unlink(missing_ok=True)
        return None

    def write(self, pid: int) -> None:
        start = process_start_time(pid)
        if start is None:
            raise InfraError(f"process {pid} exited right after it was started")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(PidRecord(pid, start).text(), encoding="ascii")
        tmp.replace(self.path)


def spawn_detached(
    argv: Sequence[str],
    *,
    log: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    pid_file: PidFile,
) -> int:
    """Start ``argv`` in its own session with output appended to ``log``; record and return its pid.

    The child is not tied to this process: it survives ``inv`` exiting and Ctrl-C in the terminal.
    It is tracked through its pid file from then on, not through a Popen object (whose
    destructor would warn that a process it started is still running, as intended here).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    try:
        pid_file.write(proc.pid)
    except InfraError:
        proc.wait()
        raise
    pid = proc.pid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        del proc
    return pid


def stop_process(pid_file: PidFile, *, timeout: float = 20.0) -> bool:
    """SIGTERM the recorded process and wait for it to exit; SIGKILL after ``timeout``.

    Returns whether a process was running. Waiting polls the process state with a short backoff
    rather than sleeping a fixed time.
    """
    pid = pid_file.live_pid()
    if pid is None:
        pid_file.path.unlink(missing_ok=True)
        return False
    record = pid_file.read()
    os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, record, timeout):
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, record, 5.0)
    pid_file.path.unlink(missing_ok=True)
    return True


def _wait_gone(pid: int, record: PidRecord | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        start = process_start_time(pid)
        if start is None or (record is not None and start != record.start_time):
            _reap(pid)
            return True
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    return False


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (avoids a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def program_name(pid: int) -> str:
    """The program a process runs (``/proc/<pid>/comm``); empty when unknown."""
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def program_version(pid: int) -> str | None:
    """``1.8.0`` from what the process's own executable says to ``--version``; None if unknown."""
    import re
    import subprocess

    try:
        result = subprocess.run(
            [f"/proc/{pid}/exe", "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\bv?(\d+\.\d+(?:\.\d+)?)\b", result.stdout or result.stderr)
    return found.group(1) if found else None
