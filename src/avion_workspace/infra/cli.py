"""What ``inv infra.*`` and the stack part of ``inv setup`` print, callable without invoke."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.errors import BackendUnavailable, InfraError
from avion_workspace.infra.lifecycle import (
    choose_backend,
    docker_answers,
    make_backend,
    migrate_all_services,
    provision,
    record_backend,
    recorded_backend,
    require_components,
)
from avion_workspace.infra.stack import (
    COMPONENTS,
    Backend,
    ComponentStatus,
    Credentials,
    Endpoints,
    check_log_lines,
    status_document,
)
from avion_workspace.localenv import read_env
from avion_workspace.workspace import find_root, resolve_config_dir

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {"running": "green", "stopped": "yellow", "unhealthy": "red", "missing": "red"}


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


class ConsoleReporter:
    """A spinner naming what is happening (in a terminal), and one line per finished component."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self._status = out.status("") if out.is_terminal else None
        if self._status is not None:
            self._status.start()

    def update(self, component: str, message: str) -> None:
        if self._status is not None:
            self._status.update(f"{component}: {message}")

    def done(self, component: str, message: str) -> None:
        mark = "[red]✗[/]" if message == "missing" else "[green]✓[/]"
        self.out.print(f"{mark} {component:<9} {message}")

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()


@dataclass(frozen=True)
class Workspace:
    root: Path
    config_dir: Path
    platform: Platform

    @classmethod
    def load(cls, config_dir: str | None = None, root: Path | None = None) -> Workspace:
        root = (root or find_root()).resolve()
        cdir = (
            Path(config_dir).resolve()
            if config_dir
            else (root / "config" if root else resolve_config_dir(None))
        )
        return cls(root, cdir, load_platform(cdir, "local"))

    def credentials(self) -> Credentials:
        return Credentials.of(read_env(self.root))


def summarize_changes(changes: list[str]) -> list[str]:
    """``created role a``, ``created role b`` → ``created role: a, b``; other changes as they are."""
    grouped: dict[str, list[str]] = {}
    lines: list[str] = []
    for change in changes:
        words = change.split(" ")
        if words[0] == "created" and len(words) == 3:
            key = f"{words[0]} {words[1]}"
            if key not in grouped:
                grouped[key] = []
                lines.append(key)
            grouped[key].append(words[2])
        else:
            lines.append(change)
    return [f"{line}: {', '.join(grouped[line])}" if line in grouped else line for line in lines]


def status_table(statuses: Mapping[str, ComponentStatus], backend: str) -> object:
    from rich.table import Table

    table = Table(title=f"local stack ({backend})", title_justify="left")
    for column in ("component", "status", "url", "detail"):
        table.add_column(column, overflow="fold")
    for name in COMPONENTS:
        s = statuses[name]
        table.add_row(name, f"[{STYLE.get(s.state, 'white')}]{s.state}[/]", s.url, s.detail)
    return table


def bring_up(
    ws: Workspace, backend_name: str | None, out: Console, *, migrate: bool
) -> Mapping[str, ComponentStatus]:
    """Start, probe, provision and (optionally) migrate; prints progress and the final table.

    Components that cannot run are reported together at the end (non-zero exit) after the rest
    of the stack is up, provisioned and migrated.
    """
    creds = ws.credentials()
    choice = choose_backend(ws.root, backend_name, docker_answers)
    refuse_second_stack(ws, creds, choice.name)
    backend = make_backend(choice.name, ws.root, ws.platform, creds)
    out.print(f"backend: {choice.name} ({choice.reason})")
    reporter = ConsoleReporter(out)
    try:
        backend.up(reporter)
        record_backend(ws.root, choice.name)
        statuses = backend.status()
        changes = provision(ws.platform, creds, reporter, statuses)
        for line in summarize_changes(changes):
            reporter.done("provision", line)
        if not changes:
            out.print("provision: roles, databases and buckets are current")
        if migrate and statuses["postgres"].ok:
            reporter.update("postgres", "migrating every service database")
            results = migrate_all_services(ws.root, ws.config_dir)
            applied = sum(len(r.steps) for r in results)
            touched = [r.target for r in results if r.steps]
            if applied:
                out.print(f"migrations: applied {applied} across {', '.join(touched)}")
            else:
                out.print(f"migrations: all {len(results)} service databases are current")
    finally:
        reporter.close()
    out.print(status_table(statuses, choice.name))
    require_components(statuses)
    return statuses


def refuse_second_stack(ws: Workspace, creds: Credentials, wanted: str) -> None:
    """Switching backends while the other one's stack runs would fight over the same ports."""
    current = recorded_backend(ws.root)
    if current is None or current == wanted:
        return
    try:
        running = [
            s.name
            for s in make_backend(current, ws.root, ws.platform, creds).status().values()
            if s.ok
        ]
    except BackendUnavailable:
        return
    if running:
        raise InfraError(
            f"the {current} stack is running ({', '.join(running)}); it must stop before the {wanted} one starts",
            hint=f"run `inv infra.down`, then again with --backend {wanted}",
        )


def _backend(ws: Workspace) -> tuple[Backend, str]:
    name = recorded_backend(ws.root) or "native"
    return make_backend(name, ws.root, ws.platform, ws.credentials()), name


def run_up(backend: str | None, config_dir: str | None, *, monitoring: bool = False) -> None:
    started = time.monotonic()
    out = console()
    ws = Workspace.load(config_dir)
    bring_up(ws, backend, out, migrate=False)
    if monitoring:
        from avion_workspace.infra.monitoring import start_local_monitoring

        prometheus = start_local_monitoring(ws.root, ws.platform)
        out.print(f"prometheus: {prometheus.url} (alert rules of infrastructure/monitoring/local)")
    out.print(f"stack up in {time.monotonic() - started:.1f}s")


def run_install(config_dir: str | None) -> None:
    """Install every native server program that is missing (pinned into .tools/, Redis by apt)."""
    from avion_workspace.infra.native import NativeBackend

    ws = Workspace.load(config_dir)
    nobody = Credentials("", "", "", "", "", {})  # installing needs no secrets
    backend = NativeBackend(ws.root, ws.platform, nobody)
    missing = backend.missing()
    for name, component in backend.components.items():
        path = component.binary().path
        print(f"{name:9} {path if path else 'MISSING: ' + missing.get(name, '')}")
    if missing:
        raise InfraError(f"cannot install: {', '.join(missing)}", hint="install each as said above")


def run_down(config_dir: str | None) -> None:
    ws = Workspace.load(config_dir)
    backend, name = _backend(ws)
    stopped = backend.down()
    from avion_workspace.infra.monitoring import stop_local_monitoring

    if stop_local_monitoring(ws.root):
        stopped.append("prometheus")
    if stopped:
        print(
            f"stopped ({name}): {', '.join(stopped)}; data kept under .avion/ (or docker volumes)"
        )
    else:
        print(f"nothing running ({name})")


def running_versions(
    backend: Backend,
    statuses: Mapping[str, ComponentStatus],
    creds: Credentials,
    endpoints: Endpoints,
) -> dict[str, str | None]:
    """Each running component's version: as its server reports it, else as its program says."""
    from avion_workspace.infra.versions import running_version

    return {
        name: (running_version(name, creds, endpoints) or backend.program_version(name))
        if status.ok
        else None
        for name, status in statuses.items()
    }


def run_status(config_dir: str | None, *, as_json: bool) -> None:
    ws = Workspace.load(config_dir)
    backend, name = _backend(ws)
    statuses = backend.status()
    if as_json:
        creds, endpoints = ws.credentials(), Endpoints.of(ws.platform)
        versions = running_versions(backend, statuses, creds, endpoints)
        doc = status_document(ws.platform, statuses, creds, endpoints, versions)
        print(json.dumps(doc, indent=2))
        return
    console().print(status_table(statuses, name))


def run_logs(component: str | None, config_dir: str | None, *, lines: int) -> None:
    """One component's log tail, or every component's (``None`` or ``all``) under a header."""
    check_log_lines(lines)
    every = component in (None, "", "all")
    if not every and component not in COMPONENTS:
        raise InfraError(
            f"unknown component {component!r}", hint=f"one of {', '.join(COMPONENTS)} or all"
        )
    ws = Workspace.load(config_dir)
    backend, _ = _backend(ws)
    for name in list(COMPONENTS) if every else [str(component)]:
        text = backend.logs(name, lines)
        if every:
            print(f"==> {name} <==")
        print(text)


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise AvionError(
            "refusing to delete the local stack's data without confirmation",
            hint="run again with --yes",
        )
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run_reset(config_dir: str | None, *, yes: bool) -> None:
    ws = Workspace.load(config_dir)
    backend, name = _backend(ws)
    if not yes and not confirm(
        f"Stop the local stack ({name}) and DELETE all its data (databases, objects, indexes)?"
    ):
        print("nothing deleted")
        return
    # Before the backend's reset, which may delete the state folder holding its pid file.
    from avion_workspace.infra.monitoring import reset_local_monitoring

    monitoring = reset_local_monitoring(ws.root)
    removed = backend.reset() + (["prometheus"] if monitoring else [])
    print("deleted: " + (", ".join(removed) if removed else "nothing (no data)"))
    print("run `inv setup` to bring up a fresh stack")
