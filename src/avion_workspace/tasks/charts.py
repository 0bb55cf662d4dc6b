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
    """helm lint --strict, helm template, kubernetes-validate --strict, CRD schemas and checkov."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_lint

    guarded(lambda: run_lint(chart, env, config_dir))


@task
def install_tools(c: Context) -> None:
    """Install the pinned helm and checkov, fetch the operators' CRDs (.tools/); instant when present."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_install_tools

    guarded(run_install_tools)


@task(
    help={
        "repository": "OCI repository (default: ci.chart_repository in config)",
        "version": "chart and app version to publish (default: each Chart.yaml's)",
        "plain_http": "talk HTTP to the registry (a local test registry)",
        "chart": "one service chart; default: all",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def push(
    c: Context,
    repository: str | None = None,
    version: str | None = None,
    plain_http: bool = False,
    chart: str | None = None,
    config_dir: str | None = None,
) -> None:
    """Package each service chart with its library and push it to the OCI Helm repository."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_push

    guarded(lambda: run_push(repository, version, plain_http, chart, config_dir))


ns = Collection("charts", lint, install_tools, push)
