"""``inv k8s.check``: is an environment's cluster there, supported and ready for the charts?

Checks, in order: the API server answers (``/version``) and runs a supported Kubernetes; the
namespaces, CRDs and StorageClass the charts need exist; and the deploy identity may do what a
deploy does (SelfSubjectAccessReview, what ``kubectl auth can-i`` asks). An unreachable server
stops the check with an error naming the context; every other finding is a row of the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from avion_workspace.config.model import Platform
from avion_workspace.k8s.client import ApiClient
from avion_workspace.k8s.kubeconfig import ClusterAccess
from avion_workspace.render.infrastructure import cluster_values

# The Kubernetes minor versions the charts and the pinned upstream charts are tested against
# (kind runs KIND_NODE_IMAGE locally; EKS supports each minor for about 14 months).
SUPPORTED = ((1, 29), (1, 34))
# CustomResourceDefinitions the charts create objects of: CloudNativePG clusters and the
# Prometheus Operator's ServiceMonitors and rules.
REQUIRED_CRDS = (
    "clusters.postgresql.cnpg.io",
    "servicemonitors.monitoring.coreos.com",
    "prometheusrules.monitoring.coreos.com",
)
# What `helm upgrade --install --atomic` of the service charts touches in the app namespace:
# (API group, resource); it creates, patches and (on rollback) deletes each. Helm keeps release
# state in Secrets, which it also lists.
DEPLOY_RESOURCES = (
    ("apps", "deployments"),
    ("", "services"),
    ("", "serviceaccounts"),
    ("", "secrets"),
    ("", "configmaps"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "networkpolicies"),
    ("autoscaling", "horizontalpodautoscalers"),
    ("policy", "poddisruptionbudgets"),
    ("monitoring.coreos.com", "servicemonitors"),
)
DEPLOY_ACCESS: tuple[tuple[str, str, str], ...] = (
    *(
        (verb, group, resource)
        for group, resource in DEPLOY_RESOURCES
        for verb in ("create", "patch", "delete")
    ),
    ("list", "", "secrets"),
)


@dataclass(frozen=True)
class Finding:
    """One row of the report."""

    area: str
    item: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Report:
    environment: str
    context: str
    server: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def to_json(self) -> str:
        data = {
            "environment": self.environment,
            "context": self.context,
            "server": self.server,
            "ok": self.ok,
            "findings": [asdict(f) for f in self.findings],
        }
        return json.dumps(data, indent=2)

    def table(self) -> str:
        rows = [("area", "item", "", "detail")] + [
            (f.area, f.item, "ok" if f.ok else "FAIL", f.detail) for f in self.findings
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [
            f"environment {self.environment}: context {self.context} ({self.server})",
            *(
                "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
                for row in rows
            ),
        ]
        failed = sum(not f.ok for f in self.findings)
        lines.append("cluster ready" if not failed else f"{failed} check(s) failed")
        return "\n".join(line.rstrip() for line in lines)


def parse_version(body: Any) -> tuple[int, int] | None:
    """(major, minor) from a /version answer; EKS reports minors like ``"31+"``."""
    if not isinstance(body, dict):
        return None
    major = re.match(r"\d+", str(body.get("major", "")))
    minor = re.match(r"\d+", str(body.get("minor", "")))
    if major and minor:
        return int(major.group()), int(minor.group())
    git = re.match(r"v?(\d+)\.(\d+)", str(body.get("gitVersion", "")))
    return (int(git.group(1)), int(git.group(2))) if git else None


def _version_finding(status: int, body: Any) -> Finding:
    if status in (401, 403):
        return Finding(
            "api", "/version", False, f"answers, but refuses these credentials (HTTP {status})"
        )
    version = parse_version(body) if 200 <= status < 300 else None
    if version is None:
        return Finding("api", "/version", False, f"answers HTTP {status} without a version")
    low, high = SUPPORTED
    git = body.get("gitVersion", f"{version[0]}.{version[1]}")
    supported = f"supported {low[0]}.{low[1]}-{high[0]}.{high[1]}"
    if not low <= version <= high:
        return Finding("api", "version", False, f"{git}: outside the {supported}")
    return Finding("api", "version", True, f"{git} ({supported})")


def _exists(client: ApiClient, area: str, item: str, path: str, installed_by: str) -> Finding:
    response = client.get(path)
    if response.ok:
        return Finding(area, item, True, "present")
    if response.status == 404:
        return Finding(area, item, False, f"missing ({installed_by})")
    return Finding(area, item, False, f"cannot tell: HTTP {response.status}")


def required_namespaces(platform: Platform) -> list[str]:
    """The namespaces the avion-cluster chart creates (one source: its values)."""
    return [ns["name"] for ns in cluster_values(platform)["namespaces"]]


def required_storage_class(platform: Platform) -> str:
    return str(cluster_values(platform)["storageClass"]["name"])


def access_review(namespace: str, verb: str, group: str, resource: str) -> dict[str, Any]:
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": namespace,
                "verb": verb,
                "group": group,
                "resource": resource,
            }
        },
    }


def _access(
    client: ApiClient, namespace: str, checks: Sequence[tuple[str, str, str]]
) -> Iterator[Finding]:
    for verb, group, resource in checks:
        qualified = f"{resource}.{group}" if group else resource
        item = f"can-i {verb} {qualified}"
        response = client.post(
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            access_review(namespace, verb, group, resource),
        )
        status = response.body.get("status", {}) if isinstance(response.body, dict) else {}
        if not response.ok:
            yield Finding("rbac", item, False, f"cannot tell: HTTP {response.status}")
        elif status.get("allowed") is True:
            yield Finding("rbac", item, True, f"allowed in {namespace}")
        else:
            reason = status.get("reason") or "no RBAC rule allows it"
            yield Finding("rbac", item, False, f"denied in {namespace}: {reason}")


def check_cluster(platform: Platform, access: ClusterAccess, client: ApiClient) -> Report:
    """Run every check against ``client``; :class:`ClusterUnreachable` when nothing answers."""
    version = client.get("/version")
    findings = [Finding("api", "server", True, f"answers at {access.server}")]
    findings.append(_version_finding(version.status, version.body))
    if version.status not in (401, 403):
        for ns in required_namespaces(platform):
            findings.append(
                _exists(
                    client, "namespace", ns, f"/api/v1/namespaces/{ns}", "inv deploy creates it"
                )
            )
        for crd in REQUIRED_CRDS:
            findings.append(
                _exists(
                    client,
                    "crd",
                    crd,
                    f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd}",
                    "its operator's chart installs it",
                )
            )
        storage_class = required_storage_class(platform)
        findings.append(
            _exists(
                client,
                "storageclass",
                storage_class,
                f"/apis/storage.k8s.io/v1/storageclasses/{storage_class}",
                "inv deploy creates it",
            )
        )
        findings.extend(_access(client, platform.environment.namespace, DEPLOY_ACCESS))
    return Report(platform.environment.name, access.context, access.server, tuple(findings))
