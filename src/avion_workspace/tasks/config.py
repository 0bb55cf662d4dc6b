"""``inv config.*``: validate and show the configuration."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(help={"config_dir": "configuration folder (default: <workspace>/config)"})
def validate(c: Context, config_dir: str | None = None) -> None:
    """Validate config/ against its schema and semantic rules; report every problem."""
    from avion_workspace.boundary import guarded
    from avion_workspace.config.cli import run_validate

    guarded(lambda: run_validate(config_dir))


@task(
    help={
        "env": "environment whose effective config to print (default: local)",
        "json": "print JSON instead of YAML",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def show(c: Context, env: str = "local", json: bool = False, config_dir: str | None = None) -> None:
    """Print the effective config of one environment (base merged with its overlay)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.config.cli import run_show

    guarded(lambda: run_show(config_dir, env=env, as_json=json))


ns = Collection("config", validate, show)
