"""``inv setup``: from a fresh clone to a workspace ready to work in.

Validate config, render generated files, generate local credentials into ``.env``, bring the
local stack up (docker or native backend), provision roles, databases, ACL users and buckets,
and migrate every service database. Every step is idempotent: a second run changes nothing.
"""

from __future__ import annotations

import time

from avion_workspace.config import load_platform
from avion_workspace.localenv import ENV_FILE, ensure_env
from avion_workspace.render import plan_for
from avion_workspace.render.writer import apply_plan
from avion_workspace.workspace import find_root, resolve_config_dir


def run_setup(config_dir: str | None, backend: str | None = None) -> None:
    from avion_workspace.infra.cli import Workspace, bring_up, console

    started = time.monotonic()
    out = console()
    root = find_root()
    cdir = resolve_config_dir(config_dir)
    platform = load_platform(cdir, "local")
    out.print(
        f"config OK: {len(platform.services)} services, environments: {', '.join(platform.environments)}"
    )
    report = apply_plan(root, plan_for(cdir))
    changed = len(report.created) + len(report.updated) + len(report.deleted)
    out.print(f"render OK: {changed} generated files written, {report.identical} already current")
    added = ensure_env(root, platform)
    if added:
        out.print(
            f"credentials: generated {len(added)} local secrets into {ENV_FILE} (git-ignored)"
        )
    else:
        out.print(f"credentials: {ENV_FILE} is complete")
    bring_up(Workspace(root, cdir, platform), backend, out, migrate=True)
    out.print(f"setup done in {time.monotonic() - started:.1f}s")
