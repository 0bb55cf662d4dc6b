"""A real native stack for the infra integration tests, in a throwaway workspace on free ports.

The workspace is a copy of this one (tasks, config, generated files, migrations) with a
config overlay moving every component to a free port, so the tests never touch the
developer's own ``.avion/`` or ports. ``inv setup`` runs once for the module; tests that stop
or break the stack restore it themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platform
from avion_workspace.errors import ToolMissing
from avion_workspace.infra.cli import run_down
from avion_workspace.infra.errors import PortBusy
from avion_workspace.infra.native import S3_PROGRAM
from avion_workspace.infra.ports import free_port
from avion_workspace.infra.postgres import find_bin_dir
from avion_workspace.infra.stack import Credentials, Endpoints, status_document
from avion_workspace.tools import find_tool
from tests.support import unavailable

ROOT = Path(__file__).resolve().parents[3]


def require_program(name: str, how: str, *, found: bool | None = None) -> None:
    """A program on PATH (or ``found`` when the caller looked elsewhere); see tests/support.py."""
    if found if found is not None else shutil.which(name) is not None:
        return
    unavailable(f"{name} is not installed: {how}")


def copy_workspace(target: Path) -> None:
    shutil.copy(ROOT / "tasks.py", target)
    shutil.copytree(ROOT / "config", target / "config")
    manifest = ROOT / ".render-manifest.json"
    for rel in json.loads(manifest.read_text())["files"]:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target / rel)
    shutil.copy(manifest, target)
    for migrations in ROOT.glob("services/*/migrations"):
        shutil.copytree(migrations, target / migrations.relative_to(ROOT), dirs_exist_ok=True)


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def port_overlay(target: Path) -> None:
    """The local overlay of ``target``: every component and every service on a free port."""
    services = load_platform(ROOT / "config").services
    ports = iter(free_ports(5 + 2 * len(services)))
    overlay = {
        "services": {
            name: {"local_ports": {"http": next(ports), "grpc": next(ports)}} for name in services
        },
        "postgres": {"local_port": next(ports)},
        "redis": {"local_port": next(ports)},
        "object_storage": {"local_port": next(ports), "local_console_port": next(ports)},
        "search": {"local_port": next(ports)},
    }
    (target / "config" / "environments" / "local.yaml").write_text(
        "# integration tests: every component and service on a free port\n"
        + yaml.safe_dump(overlay, sort_keys=False)
    )


@dataclass
class Stack:
    root: Path

    def status(self) -> dict[str, Any]:
        from avion_workspace.infra.cli import Workspace, running_versions
        from avion_workspace.infra.native import NativeBackend

        ws = Workspace.load(root=self.root)

        creds = ws.credentials()
        backend = NativeBackend(self.root, ws.platform, creds, tools_root=ROOT)
        statuses = backend.status()
        endpoints = Endpoints.of(ws.platform)
        versions = running_versions(backend, statuses, creds, endpoints)
        return status_document(ws.platform, statuses, creds, endpoints, versions)

    def credentials(self) -> Credentials:
        from avion_workspace.infra.cli import Workspace

        return Workspace.load(root=self.root).credentials()

    def setup(self) -> None:
        from avion_workspace.setup import run_setup

        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(self.root)
            run_setup(None, None)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """``inv setup`` (native backend) in a copy of the workspace; stopped and deleted afterwards."""
    for tool in (S3_PROGRAM, "meilisearch"):
        require_program(tool, f"inv tools.install {tool}", found=find_tool(ROOT, tool) is not None)
    require_program("redis-server", "inv infra.install (apt-get install redis-server)")
    try:
        pg_bin = find_bin_dir(tools_root=ROOT)
    except ToolMissing as exc:
        unavailable(f"{exc.message} ({exc.hint})")
    # PostgreSQL runs as an unprivileged user when we are root: the directory must be enterable.
    root = Path(tempfile.mkdtemp(prefix="avion-stack-"))
    root.chmod(0o755)
    copy_workspace(root)
    port_overlay(root)
    tools = str(ROOT / ".tools" / "bin")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
        mp.setenv("NO_COLOR", "1")
        # the copy has no .tools/ of its own: its stack runs this workspace's pinned PostgreSQL
        mp.setenv("AVION_PG_BIN", str(pg_bin))
        stack = Stack(root)
        try:
            (root / ".avion").mkdir()
            (root / ".avion" / "backend").write_text(
                "native\n"
            )  # never pick up a Docker engine here
            # Ports picked free can be taken before the servers bind them: then pick again.
            for attempt in range(3):
                try:
                    stack.setup()
                    break
                except PortBusy:
                    if attempt == 2:
                        raise
                    mp.chdir(root)
                    run_down(None)
                    port_overlay(root)
            yield stack
        finally:
            mp.chdir(root)
            try:
                run_down(None)
            finally:
                shutil.rmtree(root, ignore_errors=True)
