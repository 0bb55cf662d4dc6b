"""The process edge: run an external program (never through a shell) and capture what it said.

One runner for every engine part that calls tools (helm, actionlint, crane, scanners); tests
pass their own :class:`CommandRunner` where no real program can answer (no cluster here).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from avion_workspace.errors import ToolMissing


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return "\n".join(part.strip() for part in (self.stdout, self.stderr) if part.strip())


class CommandRunner(Protocol):
    def __call__(
        self, argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed: ...


def run_command(
    argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Completed:
    """Run ``argv``, capturing output; a program that is not there is :class:`ToolMissing`."""
    try:
        result = subprocess.run(
            list(argv),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            errors="replace",  # a tool's bytes (a file name, a chart's text) need not be UTF-8
            check=False,
        )
    except FileNotFoundError:
        raise ToolMissing(f"{argv[0]} is not installed") from None
    except OSError as exc:  # not executable, a folder, a bad interpreter line
        raise ToolMissing(
            f"{argv[0]} cannot be run: {exc.strerror or exc}",
            hint="reinstall it (inv tools.install) or check what stands at that path",
        ) from None
    return Completed(tuple(argv), result.returncode, result.stdout, result.stderr)
