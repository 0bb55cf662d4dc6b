"""Ctrl-C at any moment of an ``inv`` command: it completes, or it exits 130 saying "interrupted".

The venv's own ``inv`` (the workspace's ``bin/inv``, pyproject ``script-files``) is run and
interrupted at spread moments from its start: the launcher shell, Python's start-up (SIGINT is
blocked then, and delivered once the handler is in place), invoke's import, tasks.py discovery,
a task's lazy imports and the task itself. The delays only vary the moment; no assertion
depends on when the signal lands. The one other outcome allowed: the launcher shell itself,
before it starts Python, dies of the signal silently (which a shell reports as 130). Never a
traceback. See docs/decisions/0050-trust-boundaries.md.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import copy_rendered_workspace, unavailable

pytestmark = pytest.mark.integration

INV = Path(sys.executable).with_name("inv")
# Moments (seconds after the process is started) at which Ctrl-C arrives. Dense over the first
# quarter second (the launcher, start-up, invoke, tasks.py), then through the task.
DELAYS = (
    *(i * 0.002 for i in range(10)),
    *(0.02 + i * 0.005 for i in range(8)),
    *(0.06 + i * 0.02 for i in range(10)),
    0.3,
    0.4,
    0.55,
    0.75,
    1.0,
)


def _env_blocks_signals() -> bool:
    probe = subprocess.run(["env", "--block-signal=INT", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rendered_workspace(tmp_path_factory.mktemp("ctrl-c") / "ws")


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a task connecting to it blocks."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def interrupted_runs(
    args: list[str], cwd: Path, completed: Callable[[int, str, str], bool]
) -> list[tuple[float, int, str, str]]:
    """Runs ``inv ARGS`` once per delay, interrupting it; returns every run whose outcome is
    neither ``completed(returncode, out, err)``, nor exit 130 with exactly "interrupted", nor
    the launcher shell's silent death before it starts Python."""
    assert INV.is_file(), f"no inv script next to {sys.executable}"
    assert "avion_workspace.cli" in INV.read_text(), (
        f"{INV} is invoke's own script, not the workspace's: reinstall the workspace last "
        "(pip install --no-deps --force-reinstall -e .)"
    )
    if not _env_blocks_signals():
        unavailable("env --block-signal (GNU coreutils 8.31+) is needed to hold Ctrl-C")
    failures = []
    for delay in DELAYS:
        proc = subprocess.Popen(
            [str(INV), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        code = proc.returncode
        if completed(code, out, err):
            continue
        if code == 130 and err == "interrupted\n":
            continue
        if code == -signal.SIGINT and (out, err) == ("", ""):
            continue  # the launcher shell, before Python: silent, 130 to a shell
        failures.append((delay, code, out[-300:], err))
    return failures


def test_ctrl_c_while_listing_tasks(sandbox: Path) -> None:
    reference = subprocess.run(
        [str(INV), "--list"], cwd=sandbox, capture_output=True, text=True, check=True
    ).stdout
    assert "render" in reference

    def completed(code: int, out: str, err: str) -> bool:
        # A signal during the interpreter's tear-down, once the command is complete, is ignored:
        # the real exit code stays (cli.main).
        return code == 0 and out == reference and err == ""

    assert interrupted_runs(["--list"], sandbox, completed) == []


def test_ctrl_c_while_a_task_renders(sandbox: Path) -> None:
    def completed(code: int, out: str, err: str) -> bool:
        return code == 0 and "render check OK" in out and err == ""

    assert interrupted_runs(["render", "--check"], sandbox, completed) == []


def test_ctrl_c_while_a_task_waits_for_a_database(
    sandbox: Path, tmp_path: Path, silent_server: int
) -> None:
    """``migrate.status`` blocks connecting to a server that never answers: every run is
    interrupted (or, on a machine too loaded to send the signal in ten seconds, gives up with
    its own connection error)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text(
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n"
    )
    dsn = f"postgresql://avion:secret@127.0.0.1:{silent_server}/avion"  # pragma: allowlist secret

    def completed(code: int, out: str, err: str) -> bool:
        return code == 1 and err.startswith("error: cannot connect to") and "Traceback" not in err

    args = ["migrate.status", "--dir", str(folder), "--dsn", dsn]
    assert interrupted_runs(args, sandbox, completed) == []


def test_ctrl_c_while_invoke_parses_and_loads_tasks_exits_130(tmp_path: Path) -> None:
    """Deterministic: the signal arrives right after the task namespace is built, before any
    task runs (invoke alone exits 1 there)."""
    script = (
        "import os, signal, time\n"
        "from invoke.main import program\n"
        "from avion_workspace.tasks import build_namespace\n"
        "build_namespace()\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(60)\n"
        "raise SystemExit(0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "interrupted"


@pytest.mark.parametrize(
    "command", [["--list"], ["tools.list"], ["config.show", "--env", "local"]], ids=" ".join
)
def test_a_reader_that_went_away_is_no_traceback(sandbox: Path, command: list[str]) -> None:
    """``inv --list | head -1``, ``inv config.show | head -1``: the pipe's reader is gone before
    inv writes (closed here before inv starts, so the outcome does not depend on timing); invoke's
    output and a task's alike."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(INV), *command],
            cwd=sandbox,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")
