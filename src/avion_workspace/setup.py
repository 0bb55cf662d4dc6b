"""``inv setup``: from a fresh clone to a workspace ready to work in.

Today: validate config, render generated files, and generate local credentials into ``.env``.
Starting the local stack and migrating its databases comes with the local-stack work (issue 4)
and is said plainly at the end of the run rather than silently skipped.
"""

from __future__ import annotations

from avion_workspace.config import load_platform
from avion_workspace.localenv import ENV_FILE, ensure_env
from avion_workspace.render import plan_for
from avion_workspace.render.writer import apply_plan
from avion_workspace.workspace import find_root, resolve_config_dir


def run_setup(config_dir: str | None) -> None:
    root = find_root()
    cdir = resolve_config_dir(config_dir)
    platform = load_platform(cdir, "local")
    print(
        f"config OK: {len(platform.services)} services, environments: {', '.join(platform.environments)}"
    )
    report = apply_plan(root, plan_for(cdir))
    changed = len(report.created) + len(report.updated) + len(report.deleted)
    print(f"render OK: {changed} generated files written, {report.identical} already current")
    added = ensure_env(root, platform)
    if added:
        print(f"credentials: generated {len(added)} local secrets into {ENV_FILE} (git-ignored)")
    else:
        print(f"credentials: {ENV_FILE} is complete")
    print(
        "not done yet: starting the local stack and migrating its databases (inv infra.up, inv migrate.up --all)"
    )
