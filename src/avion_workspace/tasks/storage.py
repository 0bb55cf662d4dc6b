"""``inv storage.*``: production's buckets (AWS S3) rendered from config: lint and deploy."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "env": "environment whose buckets to deploy (one with object_storage.provider: s3)",
        "dry_run": "print the aws cloudformation command instead of running it",
        "adopt": "first deploy over buckets made by hand: create a change set that imports them "
        "(reviewed and executed by a person)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def deploy(
    c: Context,
    env: str,
    dry_run: bool = False,
    adopt: bool = False,
    config_dir: str | None = None,
) -> None:
    """Deploy the environment's S3 buckets stack through a CloudFormation change set."""
    from avion_workspace.boundary import guarded
    from avion_workspace.cdn.cli import run_storage_deploy

    guarded(lambda: run_storage_deploy(env, dry_run=dry_run, adopt=adopt, config_dir=config_dir))


@task(help={"config_dir": "configuration folder (default: <workspace>/config)"})
def lint(c: Context, config_dir: str | None = None) -> None:
    """Check every rendered storage template with cfn-lint (offline)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.cdn.cli import run_lint
    from avion_workspace.cdn.deploy import STORAGE

    guarded(lambda: run_lint(config_dir, STORAGE))


ns = Collection("storage", deploy, lint)
