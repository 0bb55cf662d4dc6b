"""``inv monitoring.*``: check the rendered alert rules, rule tests, Alertmanager config, dashboards."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(help={"config_dir": "configuration folder (default: <workspace>/config)"})
def check(c: Context, config_dir: str | None = None) -> None:
    """promtool check/test rules, amtool check-config, and the dashboards' metrics and data sources."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_monitoring_check

    guarded(lambda: run_monitoring_check(config_dir))


ns = Collection("monitoring", check)
