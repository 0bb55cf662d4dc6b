"""``inv ci.kubeconfig``: point kubectl and helm at an environment's cluster before a deploy.

In CI the job's cloud credentials come from OIDC (no long-lived keys); this turns them into a
kubeconfig context ``avion-<env>`` with the AWS CLI (present on GitHub's runners), so
``inv deploy`` then talks to the right cluster.
"""

from __future__ import annotations

import shutil

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, ToolMissing
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.render.workflows import cloud_region


def context_name(platform: Platform) -> str:
    return f"avion-{platform.environment.name}"


def kubeconfig_argv(aws: str, platform: Platform) -> list[str]:
    """``aws eks update-kubeconfig`` for the environment's cluster, in its zones' region."""
    env = platform.environment
    if env.kind != "kubernetes" or env.cluster is None:
        raise AvionError(
            f"environment {env.name!r} has no Kubernetes cluster",
            hint="kubeconfig is for environments of kind kubernetes with a `cluster:` in config",
        )
    return [
        aws,
        "eks",
        "update-kubeconfig",
        "--name",
        env.cluster,
        "--region",
        cloud_region(platform),
        "--alias",
        context_name(platform),
    ]


def write_kubeconfig(platform: Platform, runner: CommandRunner = run_command) -> str:
    """Add the environment's context to the kubeconfig (and make it current); returns its name."""
    aws = shutil.which("aws")
    if aws is None:
        raise ToolMissing(
            "the AWS CLI (aws) is not installed",
            hint="GitHub's runners have it; elsewhere `pip install awscli` or use your cloud's own",
        )
    result = runner(kubeconfig_argv(aws, platform))
    if not result.ok:
        raise AvionError(
            f"aws eks update-kubeconfig for {platform.environment.cluster} failed:\n{result.output}",
            hint="the job needs the environment's cloud role (OIDC, id-token: write)",
        )
    return context_name(platform)
