"""Kubernetes infrastructure rendered from config: the pinned upstream releases and their values.

Everything the application charts depend on in a cluster (ingress controller, PostgreSQL HA,
Redis Sentinel, object storage, search, monitoring, logs) is an upstream Helm chart pinned here,
with per-environment values computed from the platform model. The same release list feeds the
rendered ``helmfile.yaml`` and ``inv deploy``: one source, so the two cannot disagree.
Also the local cluster's kind config and the ``avion-cluster`` chart (namespaces, StorageClass,
default NetworkPolicies).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from avion_workspace.config.model import Platform
from avion_workspace.render.plan import PLATFORM_SOURCE, GeneratedFile, RenderContext, stamp

INFRA_DIR = "infrastructure/kubernetes"
CLUSTER_CHART = "avion-cluster"
CLUSTER_CHART_DIR = f"{INFRA_DIR}/charts/{CLUSTER_CHART}"
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
BACKUP_BUCKET = "avion-backups"
# Private address ranges: egress to "the internet" (S3) excludes them.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
KIND_NODE_IMAGE = "kindest/node:v1.31.0"


@dataclass(frozen=True)
class UpstreamChart:
    """A pinned third-party chart: ``repository`` is an https Helm repo or an ``oci://`` one."""

    chart: str
    repository: str
    version: str
    repo_name: str

    @property
    def reference(self) -> str:
        """What ``helm upgrade --install`` takes as the chart argument."""
        if self.repository.startswith("oci://"):
            return f"{self.repository}/{self.chart}"
        return self.chart

    @property
    def fetch_description(self) -> str:
        if self.repository.startswith("oci://"):
            return f"{self.repository}/{self.chart}:{self.version} (OCI registry)"
        return f"{self.chart}-{self.version}.tgz from the Helm repository {self.repository}"


BITNAMI = "oci://registry-1.docker.io/bitnamicharts"
GRAFANA = "https://grafana.github.io/helm-charts"

# Pinned upstream charts. Upgrading one is a reviewed change of this table.
UPSTREAM: Mapping[str, UpstreamChart] = {
    "ingress-nginx": UpstreamChart(
        "ingress-nginx", "https://kubernetes.github.io/ingress-nginx", "4.12.0", "ingress-nginx"
    ),
    "postgresql-ha": UpstreamChart("postgresql-ha", BITNAMI, "16.3.2", "bitnami"),
    "redis": UpstreamChart("redis", BITNAMI, "20.11.3", "bitnami"),
    # Versity S3 Gateway's own chart (docs/decisions/0001-s3-server.md), from its OCI registry.
    "versitygw": UpstreamChart(
        "versitygw", "oci://ghcr.io/versity/versitygw/charts", "0.2.1", "versity"
    ),
    "meilisearch": UpstreamChart(
        "meilisearch",
        "https://meilisearch.github.io/meilisearch-kubernetes",
        "0.10.1",
        "meilisearch",
    ),
    "kube-prometheus-stack": UpstreamChart(
        "kube-prometheus-stack",
        "oci://ghcr.io/prometheus-community/charts",
        "77.6.2",
        "prometheus-community",
    ),
    "loki": UpstreamChart("loki", GRAFANA, "6.30.1", "grafana"),
    "promtail": UpstreamChart("promtail", GRAFANA, "6.17.0", "grafana"),
}


@dataclass(frozen=True)
class Release:
    """One Helm release of the infrastructure in one environment, in install order."""

    name: str
    namespace: str
    chart: UpstreamChart | None  # None: the workspace's own chart at ``local_chart``
    values_file: str
    values: Mapping[str, Any] = field(compare=False)
    local_chart: str | None = None
    needs: tuple[str, ...] = ()

    @property
    def chart_argument(self) -> str:
        if self.chart is None:
            assert self.local_chart is not None
            return self.local_chart
        return self.chart.reference


@dataclass(frozen=True)
class DatastoreEndpoint:
    """How an application pod reaches a datastore: the selector of its pods, ports, host."""

    kind: str  # postgres | redis | versitygw | s3 | meilisearch
    host: str
    ports: tuple[int, ...]
    pod_labels: Mapping[str, str] | None  # None: outside the cluster (S3)


# The S3 server local and staging run in the cluster (production: AWS S3), and its image.
S3_SERVER = "versitygw"
S3_SERVER_IMAGE = "ghcr.io/versity/versitygw"
S3_SERVER_VERSION = "v1.8.0"  # the version tools.py builds for the native stack
S3_SERVER_PORT = 7070


def in_cluster_s3(platform: Platform) -> bool:
    """Whether the environment runs its own S3 server (local, staging) rather than AWS S3."""
    return platform.object_storage.provider == S3_SERVER


def datastore_endpoints(platform: Platform) -> dict[str, DatastoreEndpoint]:
    """The in-cluster datastores, as the infrastructure releases run them in the app namespace."""
    endpoints = {
        # Services talk to pgpool, never to a PostgreSQL node directly.
        "postgres": DatastoreEndpoint(
            "postgres",
            "postgresql-ha-pgpool",
            (5432,),
            {
                "app.kubernetes.io/instance": "postgresql-ha",
                "app.kubernetes.io/component": "pgpool",
            },
        ),
        # Sentinel-aware clients ask a sentinel (26379) for the master, then talk to it (6379).
        "redis": DatastoreEndpoint(
            "redis",
            "redis",
            (6379, 26379),
            {"app.kubernetes.io/instance": "redis", "app.kubernetes.io/component": "node"},
        ),
        "meilisearch": DatastoreEndpoint(
            "meilisearch", "meilisearch", (7700,), {"app.kubernetes.io/instance": "meilisearch"}
        ),
    }
    if in_cluster_s3(platform):
        endpoints["object_storage"] = DatastoreEndpoint(
            S3_SERVER,
            S3_SERVER,
            (S3_SERVER_PORT,),
            {"app.kubernetes.io/instance": S3_SERVER},
        )
    else:
        endpoints["object_storage"] = DatastoreEndpoint(
            "s3", f"s3.{_s3_region(platform)}.amazonaws.com", (443,), None
        )
    return endpoints


def _s3_region(platform: Platform) -> str:
    """The region of the environment's zones (``eu-west-1a`` → ``eu-west-1``)."""
    zones = platform.environment.zones
    return zones[0].rstrip("abcdefghijklmnopqrstuvwxyz") if zones else "us-east-1"


def _retention_days(duration: str) -> int:
    unit = duration[-1]
    amount = int(duration[:-1])
    return max(1, {"d": amount, "w": amount * 7, "h": -(-amount // 24)}.get(unit, 1))


def _replicas(platform: Platform, production: int, other: int = 1) -> int:
    return production if len(platform.environment.zones) >= 3 else other


def _zone_spread(labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": dict(labels)},
        }
    ]


def _is_local(platform: Platform) -> bool:
    return platform.environment.kind == "local"


def ingress_values(platform: Platform) -> dict[str, Any]:
    replicas = _replicas(platform, 3, 2 if platform.environment.zones else 1)
    controller: dict[str, Any] = {
        "replicaCount": replicas,
        "ingressClassResource": {"name": "nginx", "default": True},
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}},
        "config": {"use-forwarded-headers": "true"},
    }
    if _is_local(platform):
        # kind: the node labelled ingress-ready has ports 80/443 mapped to the host.
        controller |= {
            "hostPort": {"enabled": True},
            "service": {"type": "NodePort"},
            "nodeSelector": {"ingress-ready": "true"},
            "tolerations": [
                {
                    "key": "node-role.kubernetes.io/control-plane",
                    "operator": "Equal",
                    "effect": "NoSchedule",
                }
            ],
            "publishService": {"enabled": False},
            "extraArgs": {"publish-status-address": "localhost"},
        }
    else:
        controller["service"] = {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}
        controller["topologySpreadConstraints"] = _zone_spread(
            {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
        )
    return {"controller": controller}


def postgres_values(platform: Platform) -> dict[str, Any]:
    """PostgreSQL HA (repmgr) behind pgpool-II, one database and owner per service.

    Backups are not this chart's: the avion-cluster chart's CronJob dumps every database to the
    backups bucket (see :func:`backup_job`).
    """
    nodes = _replicas(platform, 3, 2 if platform.environment.zones else 1)
    databases = list(platform.postgres.databases.values())
    init_sql = "\n".join(
        f"CREATE ROLE {db.owner} LOGIN;\nCREATE DATABASE {db.name} OWNER {db.owner};"
        for db in databases
    )
    return {
        "global": {"defaultStorageClass": "avion-standard"},
        "postgresql": {
            "replicaCount": nodes,
            "existingSecret": "postgresql-ha-credentials",
            "initdbScripts": {"00-avion-databases.sql": init_sql + "\n"},
            "resources": _datastore_resources(platform),
            "topologySpreadConstraints": _zone_spread(
                {
                    "app.kubernetes.io/instance": "postgresql-ha",
                    "app.kubernetes.io/component": "postgresql",
                }
            )
            if platform.environment.zones
            else [],
        },
        "pgpool": {
            "replicaCount": _replicas(platform, 2, 1),
            "existingSecret": "postgresql-ha-pgpool-credentials",
            "resources": _datastore_resources(platform),
        },
        "persistence": {"enabled": True, "size": "50Gi" if platform.environment.zones else "8Gi"},
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}},
    }


def backup_job(platform: Platform) -> dict[str, Any]:
    """The scheduled dump of every service database to the backups bucket."""
    endpoint = datastore_endpoints(platform)["object_storage"]
    scheme = "https" if endpoint.kind == "s3" else "http"
    return {
        "enabled": True,
        "schedule": "17 2 * * *",
        "image": "docker.io/bitnami/postgresql:17",
        "uploaderImage": "docker.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
        "bucket": BACKUP_BUCKET,
        "endpoint": f"{scheme}://{endpoint.host}:{endpoint.ports[0]}",
        "pgHost": "postgresql-ha-pgpool",
        "databases": sorted(platform.postgres.databases),
        "credentialsSecret": "avion-backup-credentials",
        "retentionDays": platform.object_storage.buckets[BACKUP_BUCKET].expire_days or 30,
    }


def redis_values(platform: Platform) -> dict[str, Any]:
    """Redis with Sentinel for failover, AOF persistence, ACL users per service."""
    replicas = _replicas(platform, 3, 2 if platform.environment.zones else 1)
    return {
        "global": {"defaultStorageClass": "avion-standard"},
        "architecture": "replication",
        "auth": {
            "enabled": True,
            "existingSecret": "redis-credentials",
            "existingSecretPasswordKey": "redis-password",
        },
        "sentinel": {"enabled": True, "quorum": max(1, replicas // 2 + 1), "masterSet": "avion"},
        "replica": {
            "replicaCount": replicas,
            "persistence": {"enabled": platform.redis.persistence, "size": "8Gi"},
            "resources": _datastore_resources(platform),
            "topologySpreadConstraints": _zone_spread(
                {"app.kubernetes.io/instance": "redis", "app.kubernetes.io/component": "node"}
            )
            if platform.environment.zones
            else [],
        },
        "commonConfiguration": "appendonly yes\nappendfsync everysec\n"
        if platform.redis.persistence
        else "appendonly no\n",
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}},
    }


def s3_server_values(platform: Platform) -> dict[str, Any]:
    """Versity S3 Gateway over a persistent volume; versions of versioned buckets beside it.

    One replica on a ReadWriteOnce volume (the posix backend does not replicate), so a rollout
    recreates the pod. It implements no bucket lifecycle: config's expiry applies in production.
    """
    return {
        "image": {"repository": S3_SERVER_IMAGE, "tag": S3_SERVER_VERSION},
        "auth": {"existingSecret": "s3-credentials"},  # rootAccessKeyId, rootSecretAccessKey
        "gateway": {
            "backend": {
                "type": "posix",
                "args": "/mnt/data",
                "versioningDir": "/mnt/versioning",
            },
            "port": S3_SERVER_PORT,
            "quiet": True,
        },
        "replicaCount": 1,
        "strategy": {"type": "Recreate"},
        "persistence": {
            "enabled": True,
            "storageClassName": "avion-standard",
            "size": "20Gi",
        },
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
    }


def meilisearch_values(platform: Platform) -> dict[str, Any]:
    return {
        "image": {"tag": f"v{platform.search.version}"},
        "environment": {"MEILI_ENV": "development" if _is_local(platform) else "production"},
        "auth": {"existingMasterKeySecret": "meilisearch-credentials"},  # pragma: allowlist secret
        "persistence": {"enabled": True, "storageClass": "avion-standard", "size": "10Gi"},
        "serviceMonitor": {"enabled": True},
        "resources": _datastore_resources(platform),
    }


def monitoring_values(platform: Platform) -> dict[str, Any]:
    receivers = [{"name": r} for r in platform.monitoring.alert_receivers]
    return {
        "prometheus": {
            "prometheusSpec": {
                "scrapeInterval": platform.monitoring.scrape_interval,
                "retention": platform.monitoring.retention,
                # Pick up every ServiceMonitor, not only those labelled with this release.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "replicas": _replicas(platform, 2, 1),
            }
        },
        "alertmanager": {
            "config": {
                "route": {"receiver": receivers[0]["name"], "group_by": ["alertname", "namespace"]},
                "receivers": receivers,
            }
        },
        "grafana": {
            "additionalDataSources": [
                {
                    "name": "Loki",
                    "type": "loki",
                    "url": f"http://loki-gateway.{MONITORING_NAMESPACE}.svc",
                    "access": "proxy",
                }
            ]
        },
    }


def loki_values(platform: Platform) -> dict[str, Any]:
    endpoint = datastore_endpoints(platform)["object_storage"]
    days = _retention_days(platform.monitoring.loki_retention)
    storage: dict[str, Any] = {
        "type": "s3",
        "bucketNames": {"chunks": "avion-logs", "ruler": "avion-logs", "admin": "avion-logs"},
        "s3": {
            "endpoint": f"{endpoint.host}.{platform.environment.namespace}.svc:{endpoint.ports[0]}"
            if endpoint.kind == S3_SERVER
            else endpoint.host,
            "s3ForcePathStyle": endpoint.kind == S3_SERVER,
            "insecure": endpoint.kind == S3_SERVER,
        },
    }
    return {
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "limits_config": {"retention_period": f"{days * 24}h"},
            "compactor": {"retention_enabled": True, "delete_request_store": "s3"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2025-01-01",
                        "store": "tsdb",
                        "object_store": "s3",
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "storage": storage,
        },
        "singleBinary": {"replicas": 1},
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
    }


def promtail_values(platform: Platform) -> dict[str, Any]:
    return {
        "config": {
            "clients": [{"url": f"http://loki-gateway.{MONITORING_NAMESPACE}.svc/loki/api/v1/push"}]
        }
    }


def _datastore_resources(platform: Platform) -> dict[str, Any]:
    if platform.environment.zones:
        return {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
    return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}


def cluster_values(platform: Platform) -> dict[str, Any]:
    """Values of the avion-cluster chart: namespaces, StorageClass, default policies, backups."""
    app_ns = platform.environment.namespace
    local = _is_local(platform)
    storage: dict[str, Any]
    if local:
        storage = {
            "provisioner": "rancher.io/local-path",
            "parameters": {},
            "volumeBindingMode": "WaitForFirstConsumer",
        }
    else:
        storage = {
            "provisioner": "ebs.csi.aws.com",
            "parameters": {"type": "gp3", "encrypted": "true"},
            "volumeBindingMode": "WaitForFirstConsumer",
        }
    datastores = [
        {"name": "postgresql-ha", "podLabels": {"app.kubernetes.io/instance": "postgresql-ha"}},
        {"name": "redis", "podLabels": {"app.kubernetes.io/instance": "redis"}},
        {"name": "meilisearch", "podLabels": {"app.kubernetes.io/instance": "meilisearch"}},
    ]
    if in_cluster_s3(platform):
        datastores.append(
            {"name": S3_SERVER, "podLabels": {"app.kubernetes.io/instance": S3_SERVER}}
        )
    store = datastore_endpoints(platform)["object_storage"]
    object_storage: dict[str, Any] = {"ports": list(store.ports)}
    if store.pod_labels is None:
        object_storage["ipBlock"] = {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}
    else:
        object_storage["podLabels"] = dict(store.pod_labels)
    return {
        "environment": platform.environment.name,
        "appNamespace": app_ns,
        "namespaces": [
            {"name": app_ns, "podSecurity": "restricted"},
            {"name": INGRESS_NAMESPACE, "podSecurity": "baseline"},
            # node-exporter and promtail need host access: privileged by necessity.
            {"name": MONITORING_NAMESPACE, "podSecurity": "privileged"},
        ],
        "storageClass": {
            "name": "avion-standard",
            "reclaimPolicy": "Retain" if not local else "Delete",
            **storage,
        },
        "networkPolicy": {
            "ingressNamespace": INGRESS_NAMESPACE,
            "monitoringNamespace": MONITORING_NAMESPACE,
            "datastores": datastores,
            "objectStorage": object_storage,
        },
        "backup": backup_job(platform),
    }


def infrastructure_releases(platform: Platform) -> list[Release]:
    """Every infrastructure release of ``platform``'s environment, in install order."""
    env = platform.environment.name
    app_ns = platform.environment.namespace

    def values_file(name: str) -> str:
        return f"{INFRA_DIR}/values/{env}/{name}.yaml"

    def upstream(name: str, namespace: str, values: dict[str, Any], *needs: str) -> Release:
        return Release(name, namespace, UPSTREAM[name], values_file(name), values, needs=needs)

    releases = [
        Release(
            CLUSTER_CHART,
            "kube-system",
            None,
            values_file(CLUSTER_CHART),
            cluster_values(platform),
            local_chart=CLUSTER_CHART_DIR,
        ),
        upstream(
            "kube-prometheus-stack",
            MONITORING_NAMESPACE,
            monitoring_values(platform),
            CLUSTER_CHART,
        ),
        upstream(
            "ingress-nginx", INGRESS_NAMESPACE, ingress_values(platform), "kube-prometheus-stack"
        ),
        upstream("postgresql-ha", app_ns, postgres_values(platform), CLUSTER_CHART),
        upstream("redis", app_ns, redis_values(platform), CLUSTER_CHART),
    ]
    if in_cluster_s3(platform):
        releases.append(upstream(S3_SERVER, app_ns, s3_server_values(platform), CLUSTER_CHART))
    releases += [
        upstream("meilisearch", app_ns, meilisearch_values(platform), CLUSTER_CHART),
        upstream("loki", MONITORING_NAMESPACE, loki_values(platform), "kube-prometheus-stack"),
        upstream("promtail", MONITORING_NAMESPACE, promtail_values(platform), "loki"),
    ]
    return releases


def kind_config(platform: Platform) -> dict[str, Any]:
    """A kind cluster for local work: one control-plane node taking ingress on 80/443."""
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": platform.name,
        "nodes": [
            {
                "role": "control-plane",
                "image": KIND_NODE_IMAGE,
                "labels": {"ingress-ready": "true"},
                "extraPortMappings": [
                    {"containerPort": 80, "hostPort": 80, "protocol": "TCP"},
                    {"containerPort": 443, "hostPort": 443, "protocol": "TCP"},
                ],
            },
            {
                "role": "worker",
                "image": KIND_NODE_IMAGE,
                "labels": {"topology.kubernetes.io/zone": "local-a"},
            },
        ],
    }


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


def yaml_file(
    path: str, data: Any, source: str = PLATFORM_SOURCE, comment: str = ""
) -> GeneratedFile:
    """A YAML document, stamped with the generated-file header and an optional comment."""
    lead = "".join(f"# {line}\n" for line in comment.splitlines())
    return GeneratedFile(path, stamp(path, lead + to_yaml(data), source), source)


def json_file(path: str, data: Any, source: str = PLATFORM_SOURCE) -> GeneratedFile:
    return GeneratedFile(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"), source)


def helmfile(platforms: Mapping[str, Platform]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(environments document, releases document) of a helmfile equal to what ``inv deploy`` does.

    For people who use helmfile; ``inv deploy`` itself reads the same release list in Python.
    """
    envs = {
        name: {"values": [{"namespace": p.environment.namespace}]} for name, p in platforms.items()
    }
    repos = {c.repo_name: c.repository for c in UPSTREAM.values()}
    repositories = [
        {
            "name": name,
            "url": url.removeprefix("oci://"),
            **({"oci": True} if url.startswith("oci://") else {}),
        }
        for name, url in sorted(repos.items())
    ]
    entries: dict[str, dict[str, Any]] = {}
    present: dict[str, list[str]] = {}
    for platform in platforms.values():
        for release in infrastructure_releases(platform):
            present.setdefault(release.name, []).append(platform.environment.name)
            if release.name in entries:
                continue
            in_app_ns = release.namespace == platform.environment.namespace
            entry: dict[str, Any] = {
                "name": release.name,
                "namespace": "{{ .Values.namespace }}" if in_app_ns else release.namespace,
            }
            if release.chart is None:
                entry["chart"] = f"./charts/{CLUSTER_CHART}"
            else:
                entry["chart"] = f"{release.chart.repo_name}/{release.chart.chart}"
                entry["version"] = release.chart.version
            entry["values"] = [f"values/{{{{ .Environment.Name }}}}/{release.name}.yaml"]
            if release.needs:
                entry["needs"] = list(release.needs)
            entries[release.name] = entry
    for name, envs_in in present.items():
        if len(envs_in) != len(platforms):
            listed = " ".join(f'"{e}"' for e in envs_in)
            entries[name]["installed"] = f"{{{{ has .Environment.Name (list {listed}) }}}}"
    releases = {
        "repositories": repositories,
        "helmDefaults": {"atomic": True, "wait": True, "timeout": 900, "createNamespace": True},
        "releases": list(entries.values()),
    }
    return {"environments": envs}, releases


def infrastructure(context: RenderContext) -> Iterable[GeneratedFile]:
    """infrastructure/kubernetes/: kind config, the avion-cluster chart, release values, helmfile."""
    yield yaml_file(
        f"{INFRA_DIR}/kind-config.yaml",
        kind_config(context.local),
        comment="kind create cluster --config infrastructure/kubernetes/kind-config.yaml",
    )
    for platform in context.platforms.values():
        for release in infrastructure_releases(platform):
            yield yaml_file(release.values_file, dict(release.values))
    yield from cluster_chart_files()
    yield yaml_file(
        f"{CLUSTER_CHART_DIR}/values.yaml",
        cluster_values(context.local),
        comment="Defaults: the local environment. values/<env>/avion-cluster.yaml per environment.",
    )
    yield _helmfile_file(context.platforms)


def _helmfile_file(platforms: Mapping[str, Platform]) -> GeneratedFile:
    envs, releases = helmfile(platforms)
    path = f"{INFRA_DIR}/helmfile.yaml.gotmpl"
    body = to_yaml(envs) + "---\n" + to_yaml(releases)
    return GeneratedFile(
        path, stamp(f"{INFRA_DIR}/helmfile.yaml", body, PLATFORM_SOURCE), PLATFORM_SOURCE
    )


def cluster_chart_files() -> Iterable[GeneratedFile]:
    from avion_workspace.render.charts import static_files

    yield from static_files("kubernetes/avion-cluster", CLUSTER_CHART_DIR)
