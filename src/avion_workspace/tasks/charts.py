"""``inv charts.*``: check the rendered Helm charts with the real tools."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "chart": "one chart (a service, or avion-cluster); default: all",
        "env": "one environment; default: all",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def lint(
    c: Context, chart: str | None = None, env: str | None = None, config_dir: str | None = None
) -> None:
    """helm lint --strict, helm template, kubernetes-validate --strict and checkov, every chart x env."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_lint

    guarded(lambda: run_lint(chart, env, config_dir))


@task
def install_tools(c: Context) -> None:
    """Install the pinned helm (.tools/bin) and checkov (.tools/checkov-venv); instant when present."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_install_tools

    guarded(run_install_tools)


ns = Collection("charts", lint, install_tools)
