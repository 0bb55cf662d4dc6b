"""The workspace's ``inv`` launcher (bin/inv) finds its venv's Python however it is reached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

INV = Path(sys.executable).with_name("inv")
CLEAN_PATH = os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir())


def _version(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # A PATH without the venv: only the launcher's own lookup can find the venv's Python.
    env = {**os.environ, "PATH": CLEAN_PATH}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_through_links_to_the_launcher(tmp_path: Path) -> None:
    """A link in ~/bin, or pipx's in ~/.local/bin, to the venv's script: the Python beside the
    link is not the venv's (was: the system python3, ModuleNotFoundError traceback)."""
    first = tmp_path / "home bin" / "inv"  # a space in the folder, too
    first.parent.mkdir()
    first.symlink_to(INV)
    second = tmp_path / "elsewhere" / "inv"
    second.parent.mkdir()
    second.symlink_to(os.path.relpath(first, second.parent))  # a relative link to a link
    for link in (first, second):
        result = _version([str(link), "--version"], tmp_path)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        assert result.stdout.startswith("Invoke ")


def test_run_by_sh_in_the_scripts_folder() -> None:
    result = _version(["sh", "inv", "--version"], INV.parent)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("Invoke ")
