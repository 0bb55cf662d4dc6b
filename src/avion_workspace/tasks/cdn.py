"""``inv cdn.*``: the production edge (CloudFront) rendered from config: lint and deploy."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "env": "environment whose CDN stack to deploy (one with environments.<env>.cdn)",
        "dry_run": "print the aws cloudformation deploy command instead of running it",
        "signing_public_key": "PEM public key for signed-URL paths (first deploy, or to rotate)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def deploy(
    c: Context,
    env: str,
    dry_run: bool = False,
    signing_public_key: str | None = None,
    config_dir: str | None = None,
) -> None:
    """Deploy the environment's CloudFront stack through a CloudFormation change set."""
    from avion_workspace.boundary import guarded
    from avion_workspace.cdn.cli import run_deploy

    guarded(
        lambda: run_deploy(
            env, dry_run=dry_run, signing_key=signing_public_key, config_dir=config_dir
        )
    )


@task(help={"config_dir": "configuration folder (default: <workspace>/config)"})
def lint(c: Context, config_dir: str | None = None) -> None:
    """Check every rendered CDN template with cfn-lint (offline)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.cdn.cli import run_lint

    guarded(lambda: run_lint(config_dir))


ns = Collection("cdn", deploy, lint)
