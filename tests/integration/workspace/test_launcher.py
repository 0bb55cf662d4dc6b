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


def test_an_ignored_ctrl_c_stays_ignored(tmp_path: Path) -> None:
    """Started with SIGINT ignored (``inv render &`` in a script, a wrapper shielding its
    child), as Python itself leaves it: Ctrl-C meant for the foreground does not stop it (it
    exited 130). SIGINT is sent over and over until the command ends, so some arrive after every
    handler would have been installed; the outcome does not depend on timing."""
    import signal
    import time

    from tests.support import copy_rendered_workspace

    workspace = copy_rendered_workspace(tmp_path / "ws")
    proc = subprocess.Popen(
        [str(INV), "config.validate"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.005)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (0, ""), err
    assert out.startswith("config OK")


def test_without_the_workspace_for_the_python_found_one_line_says_so(tmp_path: Path) -> None:
    """A copy of the launcher outside the venv finds no python beside it and runs PATH's python3
    (here the base interpreter, without the venv): one line, no traceback."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))
    copy = tmp_path / "copied" / "inv"
    copy.parent.mkdir()
    copy.write_bytes(INV.read_bytes())
    copy.chmod(0o755)
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), CLEAN_PATH])}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(copy), "--version"], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{copy}: avion_workspace is not installed for ")
    assert result.stderr.count("\n") == 1


def test_a_venv_under_a_folder_with_an_equals_sign(tmp_path: Path) -> None:
    """``env`` took the python's path for a variable to set ("env: '-c': No such file",
    exit 127). A venv-shaped folder: pyvenv.cfg, bin/python, lib/ and the launcher."""
    venv = Path(sys.prefix)
    fake = tmp_path / "builds" / "job=1"
    (fake / "bin").mkdir(parents=True)
    (fake / "pyvenv.cfg").write_bytes((venv / "pyvenv.cfg").read_bytes())
    (fake / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    (fake / "lib").symlink_to(venv / "lib")
    launcher = fake / "bin" / "inv"
    launcher.write_bytes(INV.read_bytes())
    launcher.chmod(0o755)
    result = _version([str(launcher), "--version"], tmp_path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("Invoke ")
