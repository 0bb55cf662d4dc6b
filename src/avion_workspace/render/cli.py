"""What ``inv render`` does, callable without invoke."""

from __future__ import annotations

from avion_workspace.render import plan_for
from avion_workspace.render.writer import apply_plan, check_plan
from avion_workspace.workspace import find_root, resolve_config_dir


def run_render(config_dir: str | None, *, check: bool, force: bool) -> None:
    root = find_root()
    plan = plan_for(resolve_config_dir(config_dir))
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
