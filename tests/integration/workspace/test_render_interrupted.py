"""Fault injection: ``inv render`` killed (SIGKILL) at arbitrary points, many times, while
switching between two configurations, in a temporary copy of the workspace.

After every kill: every generated file equals its version in one of the two renders, the
manifest describes the disk (each file there has a hash the manifest lists for it), and
temporary files are git-ignored. Then a plain ``inv render`` (no --force) succeeds, leaves
exactly the render of the current config, and no temporary file.

The kill moments are drawn from a seeded generator over the span of one render: where each
lands changes from run to run, what is asserted does not depend on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from avion_workspace.render.writer import MANIFEST, TEMP_SUFFIX
from tests.support import copy_team_files

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ITERATIONS = 14


def inv_render(ws: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "invoke", "render"],
        cwd=ws,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def manifest_id(ws: Path) -> tuple[int, int]:
    try:
        st = (ws / MANIFEST).stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_ino, st.st_mtime_ns)


def wait_for_writes(ws: Path, proc: subprocess.Popen[str]) -> float | None:
    """Poll until the render replaces the manifest (its journal: the writes begin), or ends;
    the moment it happened (``None`` if the process ended first)."""
    before = manifest_id(ws)
    for _ in range(300_000):  # generous bound, polled
        if manifest_id(ws) != before:
            return time.monotonic()
        if proc.poll() is not None:
            return None
        time.sleep(0.0005)
    pytest.fail("the render neither wrote nor ended")


def render_fully(ws: Path) -> float:
    """Render to the end; returns how long its writes took (journal to exit)."""
    proc = inv_render(ws)
    began = wait_for_writes(ws, proc)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    return time.monotonic() - began if began is not None else 0.0


def generated(ws: Path, paths: set[str]) -> dict[str, bytes | None]:
    return {p: (ws / p).read_bytes() if (ws / p).is_file() else None for p in sorted(paths)}


def temp_files(ws: Path) -> list[Path]:
    return list(ws.rglob(f"*{TEMP_SUFFIX}"))


def use_config(ws: Path, config: Path) -> None:
    shutil.rmtree(ws / "config")
    shutil.copytree(config, ws / "config")


@pytest.fixture
def two_configs(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "config-a"
    shutil.copytree(ROOT / "config", first)
    second = tmp_path / "config-b"
    shutil.copytree(ROOT / "config", second)
    data = yaml.safe_load((second / "platform.yaml").read_text())
    data["platform"]["description"] = "A second description, rendered into many files"
    del data["services"]["drop"]  # a whole service's files are removed by this render
    del data["postgres"]["databases"]["avion_drop_db"]
    for overlay in (second / "environments").glob("*.yaml"):
        o = yaml.safe_load(overlay.read_text()) or {}
        if "drop" in (o.get("services") or {}):
            del o["services"]["drop"]
            overlay.write_text(yaml.safe_dump(o))
    (second / "platform.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return first, second


def test_kill_9_at_any_point_leaves_a_consistent_tree_and_a_plain_rerun_finishes(
    tmp_path: Path, two_configs: tuple[Path, Path]
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(ROOT / "tasks.py", ws)
    copy_team_files(ws)
    (ws / ".gitignore").write_bytes((ROOT / ".gitignore").read_bytes())
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    renders: list[dict[str, bytes | None]] = []
    paths: set[str] = set()
    (ws / "config").mkdir()
    for config in two_configs:
        use_config(ws, config)
        render_fully(ws)
        paths |= set(json.loads((ws / MANIFEST).read_text())["files"])
    writes = []
    for config in two_configs:
        use_config(ws, config)
        writes.append(render_fully(ws))
        renders.append(generated(ws, paths))
    assert renders[0] != renders[1]
    write_span = max(writes)
    rng = random.Random(20261130)
    current = 1
    killed_mid_write = 0
    for iteration in range(ITERATIONS):
        current = 1 - current
        use_config(ws, two_configs[current])
        proc = inv_render(ws)
        if iteration % 4 == 3:
            # some kills land earlier: start-up, config loading, planning
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=rng.uniform(0.0, 1.5))
        elif wait_for_writes(ws, proc) is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=rng.uniform(0.0, write_span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        # every file is one of the two renders, and the manifest describes it
        state = generated(ws, paths)
        for path, content in state.items():
            assert content in (renders[0][path], renders[1][path]), path
        if state not in renders:
            killed_mid_write += 1
        files = json.loads((ws / MANIFEST).read_text())["files"]
        for path, content in state.items():
            if content is None:
                continue
            assert path in files, path
            digest = hashlib.sha256(content).hexdigest()
            assert digest == files[path]["sha256"] or digest in files[path].get("pending", [])
        leftovers = temp_files(ws)
        if leftovers:
            ignored = subprocess.run(
                ["git", "check-ignore", *[str(p.relative_to(ws)) for p in leftovers]],
                cwd=ws,
                capture_output=True,
                check=False,
            )
            assert ignored.returncode == 0
        # a plain rerun completes the render
        render_fully(ws)
        assert generated(ws, paths) == renders[current]
        assert temp_files(ws) == []
        check = subprocess.run(
            [sys.executable, "-m", "invoke", "render", "--check"],
            cwd=ws,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
    # Not an assertion on timing: reported so a reader sees the kills landed mid-render.
    print(f"{killed_mid_write} of {ITERATIONS} kills left a mixed tree")
