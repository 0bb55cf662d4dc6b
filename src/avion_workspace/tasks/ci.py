"""``inv ci.*``: what CI runs that a developer can run too (affected services, workflow checks)."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "base": "compare HEAD with this commit or branch (git diff BASE...HEAD); none: every service",
        "json": "print a JSON document (services, all, reasons)",
        "github_output": "also write services=, all= and any= to $GITHUB_OUTPUT (in GitHub Actions)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def affected(
    c: Context,
    base: str | None = None,
    json: bool = False,
    github_output: bool = False,
    config_dir: str | None = None,
) -> None:
    """List the services a change affects (libraries -> their services; config/engine -> all)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_affected

    guarded(
        lambda: run_affected(base, as_json=json, github_output=github_output, config_dir=config_dir)
    )


@task(name="check-workflows")
def check_workflows(c: Context) -> None:
    """Check .github/workflows: tasks-only run steps, pinned actions, permissions; actionlint; schema."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_check_workflows

    guarded(run_check_workflows)


@task(help={"variable": "environment variable holding toJSON(needs) (default: NEEDS)"})
def gate(c: Context, variable: str = "NEEDS") -> None:
    """Fail unless every job the gate needs succeeded or was skipped (the one required check)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_gate

    guarded(lambda: run_gate(variable))


@task(
    name="promote-images",
    help={
        "from_tag": "the commit SHA the images were built and tagged with",
        "to_tag": "the release tag to give the same digests (v1.2.3)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    },
)
def promote_images(c: Context, from_tag: str, to_tag: str, config_dir: str | None = None) -> None:
    """Tag every service's image built for a commit with a release tag, by digest (no rebuild)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_promote

    guarded(lambda: run_promote(from_tag, to_tag, config_dir))


@task(
    help={
        "env": "the environment whose cluster to use (staging, production, ...)",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def kubeconfig(c: Context, env: str, config_dir: str | None = None) -> None:
    """Add a kubeconfig context avion-<env> for the environment's cluster (AWS CLI; OIDC in CI)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_kubeconfig

    guarded(lambda: run_kubeconfig(env, config_dir))


ns = Collection("ci", affected, check_workflows, gate, promote_images, kubeconfig)
