"""Top-level tasks: ``inv setup`` and ``inv render``."""

from __future__ import annotations

from invoke.tasks import task
from invoke.context import Context


@task(
    help={
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def setup(c: Context, config_dir: str | None = None) -> None:
    """Validate config, render generated files, prepare local credentials (.env)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.setup import run_setup

    guarded(lambda: run_setup(config_dir))


@task(
    help={
        "check": "render in memory; exit 1 with a diff when anything on disk differs",
        "force": "overwrite generated files that were edited by hand",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def render(
    c: Context, check: bool = False, force: bool = False, config_dir: str | None = None
) -> None:
    """Render every generated file from config (docker-compose, charts, workflows, ...)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.render.cli import run_render

    guarded(lambda: run_render(config_dir, check=check, force=force))


TASKS = (setup, render)
