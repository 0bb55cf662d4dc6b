"""What ``inv render`` does, callable without invoke."""

from __future__ import annotations

import json
from pathlib import Path

from avion_workspace.workspace import find_root, resolve_config_dir


def run_render(config_dir: str | None, *, check: bool, force: bool) -> None:
    from avion_workspace.render import MANIFEST
    from avion_workspace.setup import render_is_current, write_render_stamp

    root = find_root()
    cdir = resolve_config_dir(config_dir)
    if not force and render_is_current(root, cdir):
        # Nothing a render reads or writes changed since the last render or passing check
        # (setup.render_fingerprint): the plan would compare equal, so it is not built.
        _require_team_files(root, cdir)
        files = json.loads((root / MANIFEST).read_text(encoding="utf-8"))["files"]
        if check:
            print(f"render check OK: {len(files)} generated files are current")
        else:
            print(f"nothing to do: {len(files)} generated files are current")
        return
    from avion_workspace.render import few_collections, plan_for
    from avion_workspace.render.writer import apply_plan, check_plan

    with few_collections():
        plan = plan_for(cdir)
        _require_team_files(root, cdir)
        if check:
            check_plan(root, plan)
            write_render_stamp(root, cdir)
            print(f"render check OK: {len(plan)} generated files are current")
            return
        report = apply_plan(root, plan, force=force)
        write_render_stamp(root, cdir)
    for path in report.created:
        print(f"created   {path}")
    for path in report.updated:
        print(f"updated   {path}")
    for path in report.deleted:
        print(f"removed   {path}")
    if report.wrote_anything:
        print(
            f"rendered {len(plan)} files: {len(report.created)} created, "
            f"{len(report.updated)} updated, {len(report.deleted)} removed, {report.identical} unchanged"
        )
    else:
        print(f"nothing to do: {len(plan)} generated files are current")


def _require_team_files(root: Path, config_dir: Path) -> None:
    """A service in config without its team's files is an error naming `inv service.new NAME`."""
    from avion_workspace.config import load_platforms
    from avion_workspace.config.loader import load_file
    from avion_workspace.config.validate import BASE_FILE
    from avion_workspace.errors import ConfigError
    from avion_workspace.services.completeness import (
        services_without_team_files,
        team_file_problems,
    )

    # The committed config, like the render itself: this machine's override plays no part.
    platforms = load_platforms(config_dir)
    platform = platforms.get("local") or next(iter(platforms.values()))
    if not services_without_team_files(root, platform):
        return  # the common case: the base file is parsed again only to locate problems
    problems = team_file_problems(root, platform, load_file(config_dir / BASE_FILE))
    if problems:
        raise ConfigError.from_problems(problems)
