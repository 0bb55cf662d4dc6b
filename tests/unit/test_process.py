"""The process edge: whatever a tool is or writes, its caller gets a result or a user error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from avion_workspace.errors import ToolMissing
from avion_workspace.process import run_command


def test_output_that_is_not_utf8_is_kept_readable(tmp_path: Path) -> None:
    """Was a UnicodeDecodeError (exit 3) on, say, helm quoting a Latin-1 file name."""
    tool = tmp_path / "tool"
    tool.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "sys.stdout.buffer.write(b'caf\\xe9\\n')\nsys.stderr.buffer.write(b'\\xff err\\n')\n"
    )
    tool.chmod(0o755)
    done = run_command([str(tool)])
    assert (done.returncode, done.stdout, done.stderr) == (0, "caf\ufffd\n", "\ufffd err\n")


@pytest.mark.parametrize("kind", ["not executable", "a folder"])
def test_a_tool_that_cannot_be_run_is_a_user_error(tmp_path: Path, kind: str) -> None:
    """Was a PermissionError (exit 3)."""
    tool = tmp_path / "helm"
    if kind == "a folder":
        tool.mkdir()
    else:
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o644)
    with pytest.raises(ToolMissing) as info:
        run_command([str(tool), "version"])
    assert info.value.message == f"{tool} cannot be run: Permission denied"
