"""Top-level tasks: ``inv setup`` and ``inv render``."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "config_dir": "configuration folder (default: <workspace>/config)",
        "backend": "docker or native (default: the one in use, else docker if an engine answers)",
    }
)
def setup(c: Context, config_dir: str | None = None, backend: str | None = None) -> None:
    """Validate, render, create .env, bring the local stack up healthy and migrate every database."""
    from avion_workspace.boundary import guarded
    from avion_workspace.setup import run_setup

    guarded(lambda: run_setup(config_dir, backend))


@task(help={})
def doctor(c: Context) -> None:
    """Check prerequisites and tools: what is missing and how to get it."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.doctor import run_doctor

    guarded(run_doctor)


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


from avion_workspace.tasks.deploy import deploy  # noqa: E402
from avion_workspace.tasks.service_targets import TASKS as SERVICE_TASKS  # noqa: E402

TASKS = (setup, doctor, render, deploy, *SERVICE_TASKS)
