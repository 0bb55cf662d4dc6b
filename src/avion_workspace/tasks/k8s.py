"""``inv k8s.*``: the environment's Kubernetes cluster, confirmed before a deploy."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    help={
        "env": "environment whose cluster to check (default: staging)",
        "context": "kubeconfig context to use (default: the environment's, e.g. avion-staging)",
        "json": "print a JSON document instead of the table",
        "config_dir": "configuration folder (default: <workspace>/config)",
    }
)
def check(
    c: Context,
    env: str = "staging",
    context: str | None = None,
    json: bool = False,
    config_dir: str | None = None,
) -> None:
    """Confirm the cluster: API server, version, namespaces, CRDs, StorageClass, deploy RBAC."""
    from avion_workspace.boundary import guarded
    from avion_workspace.k8s.cli import run_check

    guarded(lambda: run_check(env, context=context, as_json=json, config_dir=config_dir))


ns = Collection("k8s", check)
