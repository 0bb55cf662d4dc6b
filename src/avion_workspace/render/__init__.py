"""Rendering: a pure plan of generated files from the model, applied by one writer."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.config import load_platforms
from avion_workspace.render.plan import RenderContext, RenderPlan, build_plan
from avion_workspace.render.writer import ApplyReport, Comparison, apply_plan, check_plan

__all__ = [
    "ApplyReport",
    "Comparison",
    "RenderPlan",
    "apply_plan",
    "check_plan",
    "plan_for",
    "render",
    "render_check",
]


def plan_for(config_dir: Path) -> RenderPlan:
    """Validate config and build the full render plan from it."""
    return build_plan(RenderContext(load_platforms(config_dir)))


def render(root: Path, config_dir: Path, *, force: bool = False) -> ApplyReport:
    return apply_plan(root, plan_for(config_dir), force=force)


def render_check(root: Path, config_dir: Path) -> Comparison:
    return check_plan(root, plan_for(config_dir))
