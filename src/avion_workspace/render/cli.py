"""What ``inv render`` does, callable without invoke."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.render import plan_for
from avion_workspace.render.writer import apply_plan, check_plan
from avion_workspace.workspace import find_root, resolve_config_dir


def run_render(config_dir: str | None, *, check: bool, force: bool) -> None:
    root = find_root()
    cdir = resolve_config_dir(config_dir)
    plan = plan_for(cdir)
    _require_team_files(root, cdir)
    if check:
        check_plan(root, plan)
        print(f"render check OK: {len(plan)} generated files are current")
        return
    report = apply_plan(root, plan, force=force)
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
    from avion_workspace.services.completeness import team_file_problems

    # The committed config, like the render itself: this machine's override plays no part.
    platforms = load_platforms(config_dir)
    platform = platforms.get("local") or next(iter(platforms.values()))
    problems = team_file_problems(root, platform, load_file(config_dir / BASE_FILE))
    if problems:
        raise ConfigError.from_problems(problems)
