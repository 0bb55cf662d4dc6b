"""The task layer's edges as a user meets them: --help never runs a task, Ctrl-C is exit 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import copy_rendered_workspace

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def inv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        timeout=120,
    )


def task_names() -> list[str]:
    listed = inv("--list", "--list-format=json", cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    names: list[str] = []

    def walk(collection: dict[str, object], prefix: str) -> None:
        for task in collection["tasks"]:  # type: ignore[attr-defined]
            names.append(prefix + task["name"])
        for sub in collection["collections"]:  # type: ignore[attr-defined]
            walk(sub, prefix + sub["name"] + ".")

    walk(json.loads(listed.stdout), "")
    return names


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workspace's config, tasks and generated files: a task run by mistake would
    change it, and nothing it does can reach the real checkout."""
    return copy_rendered_workspace(tmp_path_factory.mktemp("help") / "ws")


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mode, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_task_listed_prints_help_and_runs_nothing(sandbox: Path) -> None:
    names = task_names()
    assert "migrate.create" in names
    assert "service.new" in names
    before = snapshot(sandbox)
    failures = []
    for name in names:
        for flag in ("--help", "-h"):
            result = inv(name, flag, cwd=sandbox)
            usage = result.stdout.partition("\n")[0]
            if (
                result.returncode != 0
                or not usage.startswith("Usage: inv")
                or f" {name} " not in usage
                or "Traceback" in result.stderr
            ):
                failures.append(
                    (name, flag, result.returncode, result.stdout[-300:], result.stderr)
                )
    assert failures == []
    assert snapshot(sandbox) == before


@pytest.mark.parametrize(
    "args",
    [
        ("migrate.create", "--help", "--dir", "db"),
        ("migrate.create", "--dir", "db", "--help"),
        ("service.new", "--help"),
        ("service.new", "payments", "--description", "-h"),
    ],
)
def test_help_among_other_arguments_still_runs_nothing(
    sandbox: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(sandbox)
    result = inv(*args, cwd=sandbox)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert snapshot(sandbox) == before
    assert not (sandbox / "db").exists()


# Moments after the workspace's task module is loaded (seconds) at which Ctrl-C arrives: the
# rest of invoke's parsing, the task's lazy imports, config loading and the render itself.
# Whatever the moment, the outcome must be the same, so no assertion depends on timing.
DELAYS = (0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8)
LOADED = "avion_workspace.tasks\n"


@pytest.mark.parametrize("delay", DELAYS)
def test_ctrl_c_at_any_moment_exits_130(sandbox: Path, tmp_path: Path, delay: float) -> None:
    """Python's own start-up (before any workspace code can run) is out of reach; the test
    waits, by polling the import log, until the workspace's task module is loaded."""
    log = tmp_path / "stderr"
    with log.open("w") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "invoke", "render", "--check"],
            cwd=sandbox,
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        for _ in range(6000):  # generous bound on start-up, polled
            if LOADED in log.read_text() or proc.poll() is not None:
                break
            time.sleep(0.01)
        else:
            proc.kill()
            pytest.fail("the task module was never imported")
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    err = "".join(
        line for line in log.read_text().splitlines(True) if not line.startswith("import time:")
    )
    if proc.returncode == 0 or (proc.returncode == -signal.SIGINT and not err.strip()):
        # finished before the signal arrived, or was already shutting down the interpreter
        # (which restores the default handler) when it came: the work was complete
        assert "render check OK" in out, (proc.returncode, out, err)
        return
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert err.strip() == "interrupted"


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
