"""Rendering: a pure plan of generated files from the model, applied by one writer.

The plan builder and the writer are imported on first use, not with the package: a command
that finds the stamp of the last render current (``inv render --check``, a warm ``inv setup``)
never needs them.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avion_workspace.render.plan import RenderContext, RenderPlan, build_plan
    from avion_workspace.render.writer import ApplyReport, Comparison, apply_plan, check_plan

__all__ = [
    "MANIFEST",
    "MAX_MANIFEST_BYTES",
    "ApplyReport",
    "Comparison",
    "RenderContext",
    "RenderPlan",
    "apply_plan",
    "build_plan",
    "check_plan",
    "plan_for",
    "render",
    "render_check",
]

_LAZY = {
    "RenderContext": "plan",
    "RenderPlan": "plan",
    "build_plan": "plan",
    "ApplyReport": "writer",
    "Comparison": "writer",
    "apply_plan": "writer",
    "check_plan": "writer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


# The render manifest, named here (not in the writer) so the stamp's fast path in
# avion_workspace.setup reads it without importing the writer.
MANIFEST = ".render-manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely for a while.

    A render allocates about a million short-lived objects and creates almost no cycles
    (reference counting frees them), yet the collector's passes over them were an eighth of
    a 200-service ``render --check`` (benchmarks/render_scale.py).
    """
    threshold = gc.get_threshold()
    gc.set_threshold(100_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def plan_for(config_dir: Path) -> RenderPlan:
    """Validate config and build the full render plan from it."""
    from avion_workspace.config import load_platforms
    from avion_workspace.render.plan import RenderContext, build_plan

    with few_collections():
        return build_plan(RenderContext(load_platforms(config_dir)))


def render(root: Path, config_dir: Path, *, force: bool = False) -> ApplyReport:
    from avion_workspace.render.writer import apply_plan

    with few_collections():
        return apply_plan(root, plan_for(config_dir), force=force)


def render_check(root: Path, config_dir: Path) -> Comparison:
    from avion_workspace.render.writer import check_plan

    with few_collections():
        return check_plan(root, plan_for(config_dir))
