"""``inv service.new NAME``: add a service to config, render its scaffolding, create the team's files.

Nothing is written until everything is known to succeed: the edited config is validated like any
config (schema, semantic checks, every environment), and the render plan it produces is compared
with disk for conflicts. Then ``config/platform.yaml`` is replaced atomically, the plan applied,
and the team's files created.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.config.model import build_platform
from avion_workspace.config.validate import BASE_FILE, load_config
from avion_workspace.errors import ConfigError, Location, Problem, RenderConflict
from avion_workspace.pathpolicy import relative_inside
from avion_workspace.render.plan import RenderContext, build_plan
from avion_workspace.render.writer import Action, ApplyReport, apply_plan, atomic_write, compare
from avion_workspace.services.config_edit import (
    NewService,
    add_service,
    allocate_ports,
    check_new_service,
    iter_documents,
)
from avion_workspace.services.team import create_team_files


@dataclass(frozen=True)
class NewServiceReport:
    name: str
    http_port: int
    grpc_port: int
    database: str
    rendered: ApplyReport
    team_files: tuple[str, ...]
    existing: bool = False  # already in config: only its missing team files were created


def _validated_copy(config_dir: Path, new_text: str, new_name: str) -> RenderContext:
    """Validate ``new_text`` as platform.yaml next to the real schema and overlays."""
    with tempfile.TemporaryDirectory(prefix="avion-new-service-") as tmp:
        copy = Path(tmp) / "config"
        shutil.copytree(config_dir, copy)
        (copy / BASE_FILE).write_text(new_text, encoding="utf-8")
        try:
            config = load_config(copy)
        except ConfigError as exc:
            shown = str(config_dir / BASE_FILE)
            problems = [
                Problem(
                    p.message,
                    Location(
                        p.location.file.replace(str(copy / BASE_FILE), shown),
                        p.location.line,
                        p.location.column,
                    )
                    if p.location
                    else None,
                    p.json_path,
                    p.hint,
                )
                for p in exc.problems
            ]
            raise ConfigError(
                f"adding service {new_name!r} would make the configuration invalid",
                problems=problems,
                hint="check the options given (description, --redis, --buckets)",
            ) from None
        platforms = {env: build_platform(doc.data, env) for env, doc in config.effective.items()}
    return RenderContext(platforms)


LOCK_FILE = Path(".avion") / "config-edit.lock"


@contextmanager
def config_edit_lock(root: Path) -> Iterator[None]:
    """Hold the workspace's lock on editing config: one ``service.new`` reads, edits and writes
    ``config/platform.yaml`` (and renders) at a time; a concurrent one waits, then sees its
    edit. Released by the kernel when the process ends, however it ends."""
    path = root / LOCK_FILE
    path.parent.mkdir(exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise ConfigError(
            f"cannot open the config lock {LOCK_FILE}: {exc.strerror}",
            problems=[Problem("not a lockable regular file", Location(str(LOCK_FILE)))],
            hint=f"remove {LOCK_FILE} (it holds nothing) and retry",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def new_service(root: Path, new: NewService, *, config_dir: Path | None = None) -> NewServiceReport:
    with config_edit_lock(root):
        return _new_service(root, new, config_dir or root / "config")


def _new_service(root: Path, new: NewService, config_dir: Path) -> NewServiceReport:
    current = load_config(config_dir)
    repaired = _complete_existing(root, config_dir, new.name)
    if repaired is not None:
        return repaired
    check_new_service(new, current.base)
    base_path = config_dir / BASE_FILE
    relative_inside(root, base_path, what="configuration file")
    text = base_path.read_text(encoding="utf-8")
    http, grpc = allocate_ports(iter_documents(current.effective, current.base))
    new_text = add_service(text, current.base, new, http, grpc)
    context = _validated_copy(config_dir, new_text, new.name)
    plan = build_plan(context)
    conflicts = compare(root, plan).of(Action.CONFLICT)
    if conflicts:
        raise RenderConflict(
            f"cannot add service {new.name!r}: {len(conflicts)} file(s) stand in the way",
            problems=[Problem(f"{c.path}: {c.reason}") for c in conflicts],
            hint="move them away (or run `inv render` to see the conflicts), then retry",
        )
    atomic_write(base_path, new_text.encode("utf-8"))
    rendered = apply_plan(root, plan)
    platform = context.local
    team = create_team_files(root, platform, platform.services[new.name])
    return NewServiceReport(new.name, http, grpc, new.database, rendered, tuple(team))


def _complete_existing(root: Path, config_dir: Path, name: str) -> NewServiceReport | None:
    """A service already in config without its team files: render, create them; else None."""
    from avion_workspace.config import load_platforms
    from avion_workspace.services.completeness import services_without_team_files

    platforms = load_platforms(config_dir)
    platform = platforms["local"]
    if name not in services_without_team_files(root, platform):
        return None
    service = platform.services[name]
    rendered = apply_plan(root, build_plan(RenderContext(platforms)))
    team = create_team_files(root, platform, service)
    return NewServiceReport(
        name,
        service.local_http_port,
        service.local_grpc_port,
        service.database or "",
        rendered,
        tuple(team),
        existing=True,
    )
