"""A fixture workspace: a temp copy of this checkout (tracked and new files) with one commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support import ROOT


def checkout_files(root: Path = ROOT) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in listed.decode().split("\0") if name and (root / name).is_file()]


def copy_workspace(target: Path, *, share_tools: bool = True) -> Path:
    """Copy the checkout into ``target``; share .venv (and .tools unless told not to)."""
    for name in checkout_files():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest, follow_symlinks=False)
    shared = (".venv", ".tools") if share_tools else (".venv",)
    for name in shared:
        if (ROOT / name).exists():
            (target / name).symlink_to(ROOT / name)
    # A clone-like history: one commit, which is also origin/main.
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@avion.invalid"]
    for argv in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["commit", "-q", "--no-verify", "-m", "fixture"],
        ["update-ref", "refs/remotes/origin/main", "HEAD"],
    ):
        subprocess.run([*git, *argv], cwd=target, check=True, capture_output=True)
    return target


def shell_env(workspace: Path) -> dict[str, str]:
    """The environment a developer has: the workspace's .venv/bin and .tools/bin first."""
    env = dict(os.environ)
    bins = [str(ROOT / ".venv" / "bin"), str(workspace / ".tools" / "bin")]
    # The checkout's own tools (nox -s tests puts them on PATH) are the copy's only if shared.
    inherited = [
        p for p in env.get("PATH", "").split(os.pathsep) if p != str(ROOT / ".tools" / "bin")
    ]
    env["PATH"] = os.pathsep.join([*bins, *inherited])
    env.pop("VIRTUAL_ENV", None)
    env.pop("AVION_LOCAL_OVERRIDE", None)
    return env


def run(
    workspace: Path, command: str, timeout: float = 900, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", command],
        cwd=workspace,
        env={**shell_env(workspace), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
