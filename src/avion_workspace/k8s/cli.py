"""What ``inv k8s.check`` does, callable without invoke."""

from __future__ import annotations

import json

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError
from avion_workspace.k8s.check import Report, check_cluster
from avion_workspace.k8s.client import ApiClient
from avion_workspace.k8s.kubeconfig import (
    context_for,
    kubeconfig_paths,
    load_kubeconfig,
    resolve_context,
)
from avion_workspace.workspace import resolve_config_dir


class ClusterNotReady(AvionError):
    """The cluster answered, but at least one check failed (the report says which)."""


def run_check(env: str, *, context: str | None, as_json: bool, config_dir: str | None) -> None:
    platform = load_platform(resolve_config_dir(config_dir), env)
    name = context or context_for(platform)
    try:
        access = resolve_context(load_kubeconfig(kubeconfig_paths()), name)
        with ApiClient(access) as client:
            report = check_cluster(platform, access, client)
    except AvionError as exc:
        if as_json:  # machines get a document either way; the message goes to stderr too
            failure = {"environment": env, "context": name, "ok": False, "error": exc.message}
            print(json.dumps(failure, indent=2))
        raise
    _print(report, as_json)
    if not report.ok:
        failed = sum(not f.ok for f in report.findings)
        raise ClusterNotReady(
            f"cluster of {env} (context {name}) is not ready: {failed} check(s) failed",
            hint="the rows marked FAIL say what is missing",
        )


def _print(report: Report, as_json: bool) -> None:
    print(report.to_json() if as_json else report.table())
