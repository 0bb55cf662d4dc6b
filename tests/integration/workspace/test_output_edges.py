"""``inv`` when its standard output cannot take what it prints: no traceback, no exit 3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import copy_rendered_workspace

pytestmark = pytest.mark.integration

SCRIPTS = ["inv", "avion"]  # the workspace's launcher, and its own avion script
COMMANDS = [["--list"], ["config.show", "--env", "local"]]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rendered_workspace(tmp_path_factory.mktemp("output") / "ws")


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_output_to_a_full_disk(sandbox: Path, script: str, command: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [str(Path(sys.executable).with_name(script)), *command],
            cwd=sandbox,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    assert (result.returncode, result.stderr) == (1, "error: No space left on device\n")


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_started_without_standard_output(sandbox: Path, script: str, command: list[str]) -> None:
    """``inv config.show >&-``: was an AttributeError on None, exit 3."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name(script)), *command],
        cwd=sandbox,
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_avion_output_whose_reader_went_away(sandbox: Path, command: list[str]) -> None:
    """``avion --list | head -1``: was a BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("avion")), *command],
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
