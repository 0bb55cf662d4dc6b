"""``inv deploy``: helm upgrade --install of the infrastructure, then the services."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "env": "the environment to deploy (staging, production, ...)",
        "service": "deploy only this service's release",
        "dry_run": "print the helm commands and the manifests' diff against the last deploy",
        "yes_production": "confirm a production deploy outside CI",
        "tag": "image tag to deploy (default: the chart's appVersion)",
        "kube_context": "kubeconfig context (default: the current one)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def deploy(
    c: Context,
    env: str,
    service: str | None = None,
    dry_run: bool = False,
    yes_production: bool = False,
    tag: str | None = None,
    kube_context: str | None = None,
    config_dir: str | None = None,
) -> None:
    """Deploy an environment with helm (--atomic --wait); production only from CI or when confirmed."""
    from avion_workspace.boundary import guarded
    from avion_workspace.deploy.cli import run_deploy

    guarded(
        lambda: run_deploy(
            env,
            service=service,
            dry_run=dry_run,
            yes_production=yes_production,
            image_tag=tag,
            kube_context=kube_context,
            config_dir=config_dir,
        )
    )
