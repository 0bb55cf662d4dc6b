"""Kubernetes infrastructure rendered from config: the pinned upstream releases and their values.

Everything the application charts depend on in a cluster (ingress controller, the CloudNativePG
operator, Redis with Sentinel, object storage, search, monitoring, logs) is an upstream Helm
chart pinned here, with per-environment values computed from the platform model. The same
release list feeds the rendered ``helmfile.yaml`` and ``inv deploy``: one source, so the two
cannot disagree. Also the local cluster's kind config and the workspace's own charts:
``avion-cluster`` (namespaces, StorageClass, default NetworkPolicies), ``avion-datastores``
(the PostgreSQL cluster, its poolers and backups, as CloudNativePG resources) and
``avion-observability`` (platform alert rules and Grafana dashboards).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from avion_workspace.config.model import Platform
from avion_workspace.localenv import redis_users
from avion_workspace.render import jsonout
from avion_workspace.render.alerts import BACKUP_SCHEDULE, platform_group
from avion_workspace.render.observability import (
    DASHBOARD_LABEL,
    MONITORING_NAMESPACE,
    PROMETHEUS_DATASOURCE_UID,
    SLACK_SECRET,
    alertmanager_config,
    alloy_values,
    loki_datasource,
)
from avion_workspace.render.plan import PLATFORM_SOURCE, GeneratedFile, RenderContext, stamp
from avion_workspace.render.yamlout import to_yaml

INFRA_DIR = "infrastructure/kubernetes"
CLUSTER_CHART = "avion-cluster"
CLUSTER_CHART_DIR = f"{INFRA_DIR}/charts/{CLUSTER_CHART}"
DATASTORES_CHART = "avion-datastores"
OBSERVABILITY_CHART = "avion-observability"
LOCAL_CHARTS = (CLUSTER_CHART, DATASTORES_CHART, OBSERVABILITY_CHART)
PG_CLUSTER = "avion-postgres"
PG_POOLER_RW = f"{PG_CLUSTER}-pooler-rw"
PG_POOLER_RO = f"{PG_CLUSTER}-pooler-ro"
# CloudNativePG's own PostgreSQL images (the operator's project builds and patches them).
PG_IMAGE = "ghcr.io/cloudnative-pg/postgresql"
PG_IMAGE_TAG = "17.6"
CNPG_NAMESPACE = "cnpg-system"
REDIS_RELEASE = "redis-ha"
REDIS_MASTER_SET = "avion"
REDIS_ACL_SECRET = "redis-acl-credentials"  # noqa: S105 - a Secret's name  # pragma: allowlist secret
INGRESS_NAMESPACE = "ingress-nginx"
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


GRAFANA = "https://grafana.github.io/helm-charts"

# Pinned upstream charts. Upgrading one is a reviewed change of this table.
UPSTREAM: Mapping[str, UpstreamChart] = {
    "ingress-nginx": UpstreamChart(
        "ingress-nginx", "https://kubernetes.github.io/ingress-nginx", "4.12.0", "ingress-nginx"
    ),
    # The operator (1.27.x); the Cluster, Poolers and backups are the avion-datastores chart.
    "cloudnative-pg": UpstreamChart(
        "cloudnative-pg", "https://cloudnative-pg.github.io/charts", "0.26.1", "cnpg"
    ),
    "redis-ha": UpstreamChart(
        "redis-ha", "https://dandydeveloper.github.io/charts", "4.38.0", "dandydeveloper"
    ),
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
    "alloy": UpstreamChart("alloy", GRAFANA, "1.5.3", "grafana"),
}


# Every name an infrastructure release can take (the upstream charts' and the workspace's own):
# a service's Helm release of the same name would replace it, so config refuses such service names.
RELEASE_NAMES = frozenset(UPSTREAM) | frozenset(LOCAL_CHARTS)


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
# The Secret the gateway's chart reads its root keys from (rootAccessKeyId, rootSecretAccessKey).
S3_CREDENTIALS_SECRET = "s3-credentials"  # noqa: S105 - a Secret's name  # pragma: allowlist secret
# The image of the bucket Job (docs/decisions/0018-staging-buckets.md): AWS's own CLI image, whose
# `aws s3api` commands the Job's script runs; the tests run that script with the CLI from PyPI.
BUCKETS_JOB_IMAGE = "amazon/aws-cli"
BUCKETS_JOB_IMAGE_TAG = "2.31.0"


def in_cluster_s3(platform: Platform) -> bool:
    """Whether the environment runs its own S3 server (local, staging) rather than AWS S3."""
    return platform.object_storage.provider == S3_SERVER


def datastore_endpoints(platform: Platform) -> dict[str, DatastoreEndpoint]:
    """The in-cluster datastores, as the infrastructure releases run them in the app namespace."""
    endpoints = {
        # Services talk to the PgBouncer pooler, never to a PostgreSQL instance directly.
        "postgres": DatastoreEndpoint(
            "postgres", PG_POOLER_RW, (5432,), {"cnpg.io/poolerName": PG_POOLER_RW}
        ),
        # Sentinel-aware clients ask a sentinel (26379) for the master, then talk to it (6379).
        "redis": DatastoreEndpoint(
            "redis",
            REDIS_RELEASE,
            (6379, 26379),
            {"app": REDIS_RELEASE, "release": REDIS_RELEASE},
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


def _instances(platform: Platform) -> int:
    """PostgreSQL instances: one per zone, three across three zones, one where there are none."""
    return min(3, len(platform.environment.zones)) or 1


def postgres_cluster_values(platform: Platform) -> dict[str, Any]:
    """The CloudNativePG ``Cluster``: instances across zones, a role and database per service.

    High availability is the operator's (streaming replicas, automatic failover); backups are
    barman-cloud base backups plus continuous WAL archiving to the backups bucket.
    """
    zones = platform.environment.zones
    store = datastore_endpoints(platform)["object_storage"]
    backup: dict[str, Any] = {
        "destinationPath": f"s3://{BACKUP_BUCKET}/postgres/{platform.environment.name}",
        "credentialsSecret": "avion-backup-credentials",
        "retentionPolicy": f"{platform.object_storage.buckets[BACKUP_BUCKET].expire_days or 30}d",
        "schedule": BACKUP_SCHEDULE,
    }
    if store.kind != "s3":
        backup["endpointURL"] = f"http://{store.host}:{store.ports[0]}"
    return {
        "name": PG_CLUSTER,
        "instances": _instances(platform),
        "image": f"{PG_IMAGE}:{PG_IMAGE_TAG}",
        "storage": {"size": "50Gi" if zones else "8Gi", "storageClass": "avion-standard"},
        "resources": _datastore_resources(platform),
        # Required anti-affinity on the zone where there are zones: one instance per zone.
        "affinity": {
            "enablePodAntiAffinity": True,
            "podAntiAffinityType": "required" if len(zones) >= 3 else "preferred",
            "topologyKey": "topology.kubernetes.io/zone" if zones else "kubernetes.io/hostname",
        },
        "roles": [
            {
                "name": db.owner,
                "passwordSecret": f"postgres-{db.owner.replace('_', '-')}-credentials",
            }
            for db in platform.postgres.databases.values()
        ],
        "databases": [
            {"name": db.name, "owner": db.owner} for db in platform.postgres.databases.values()
        ],
        "backup": backup,
        # PgBouncer in front, the role pgpool-II has in the seed: pooling, and a read-only
        # endpoint spreading reads over the replicas.
        "poolers": [
            {
                "name": PG_POOLER_RW,
                "type": "rw",
                "instances": _replicas(platform, 2, 1),
                # Session pooling: migrations hold session advisory locks.
                "poolMode": "session",
                "maxClientConn": "1000",
                "defaultPoolSize": "20",
            },
            {
                "name": PG_POOLER_RO,
                "type": "ro",
                "instances": _replicas(platform, 2, 1),
                "poolMode": "transaction",
                "maxClientConn": "1000",
                "defaultPoolSize": "20",
            },
        ],
    }


def datastores_values(platform: Platform) -> dict[str, Any]:
    """Values of the avion-datastores chart (installed in the application namespace)."""
    return {
        "environment": platform.environment.name,
        "postgres": postgres_cluster_values(platform),
        # The ACL rules of the redis-acl-credentials Secret's users.acl, passwords left out (see the chart).
        "redisAcl": [{"user": u, "rule": r} for u, r in redis_acl_rules(platform).items()],
        "s3Buckets": s3_buckets_values(platform),
    }


def s3_buckets_values(platform: Platform) -> dict[str, Any]:
    """The bucket Job of the datastores chart: config's buckets, created in the in-cluster gateway.

    A post-install/post-upgrade hook waits for the gateway and creates each bucket that is
    missing, enabling versioning where config asks (as ``inv setup`` does locally). Where the
    environment uses AWS S3 the Job is off and the list is empty (set explicitly: an omitted
    key would inherit the chart's defaults, which are the local environment's).
    """
    if not in_cluster_s3(platform):
        return {"enabled": False, "buckets": []}
    return {
        "enabled": True,
        "endpoint": f"http://{S3_SERVER}:{S3_SERVER_PORT}",
        "region": "us-east-1",  # the gateway's default region; a bucket needs no location
        "credentialsSecret": S3_CREDENTIALS_SECRET,
        "serverPodLabels": {"app.kubernetes.io/instance": S3_SERVER},
        "serverPort": S3_SERVER_PORT,
        "image": {"repository": BUCKETS_JOB_IMAGE, "tag": BUCKETS_JOB_IMAGE_TAG},
        "waitSeconds": 300,  # for the gateway to answer (it may be starting beside this release)
        "backoffLimit": 2,
        "activeDeadlineSeconds": 600,
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "buckets": [
            {"name": b.name, "versioning": b.versioning}
            for b in platform.object_storage.buckets.values()
        ],
    }


def observability_values(platform: Platform) -> dict[str, Any]:
    """Values of the avion-observability chart: the platform's alert rule group."""
    group = platform_group(platform)
    return {
        "environment": platform.environment.name,
        "dashboardLabel": DASHBOARD_LABEL,
        "platformRules": {
            "name": group.name,
            "interval": group.interval,
            "rules": [a.rule() for a in group.alerts],
        },
    }


def cnpg_operator_values(platform: Platform) -> dict[str, Any]:
    return {
        "replicaCount": _replicas(platform, 2, 1),
        "monitoring": {"podMonitorEnabled": True},
        "resources": _datastore_resources(platform),
    }


def redis_acl_rules(platform: Platform) -> dict[str, str]:
    """ACL rules (passwords left out) of the cluster's Redis, as locally: the ``default`` user
    is the admin (Sentinel, replication and the exporter use it), then one user per service."""
    rules = {"default": "on <password> ~* &* +@all"}
    for user in redis_users(platform):
        rules[user.name] = " ".join(user.acl_rule("<password>"))
    return rules


def redis_values(platform: Platform) -> dict[str, Any]:
    """Redis with Sentinel (redis-ha: the Redis project's own image), AOF on, ACL users.

    The ACL file (one user per service, key and channel patterns as config grants them) is the
    ``redis-acl-credentials`` Secret, written at deploy time with the services' passwords.
    """
    replicas = _replicas(platform, 3, 1)
    config: dict[str, Any] = {
        "appendonly": "yes" if platform.redis.persistence else "no",
        "appendfsync": "everysec",
        "aclfile": "/etc/redis-acl/users.acl",
        "min-replicas-to-write": 1 if replicas > 1 else 0,
        "min-replicas-max-lag": 5,
        "maxmemory-policy": "volatile-lru",
    }
    return {
        "image": {"tag": f"{platform.redis.version}-alpine"},
        "replicas": replicas,
        "hardAntiAffinity": len(platform.environment.zones) >= 3,
        "auth": True,
        "existingSecret": "redis-credentials",
        "redis": {
            "masterGroupName": REDIS_MASTER_SET,
            "config": config,
            "resources": _datastore_resources(platform),
            "extraVolumeMounts": [
                {"name": "redis-acl", "mountPath": "/etc/redis-acl", "readOnly": True}
            ],
        },
        "extraVolumes": [{"name": "redis-acl", "secret": {"secretName": REDIS_ACL_SECRET}}],
        "sentinel": {"quorum": max(1, replicas // 2 + 1)},
        "persistentVolume": {
            "enabled": platform.redis.persistence,
            "storageClass": "avion-standard",
            "size": "8Gi",
        },
        "topologySpreadConstraints": {
            "enabled": bool(platform.environment.zones),
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule"
            if len(platform.environment.zones) >= 3
            else "ScheduleAnyway",
        },
        "exporter": {"enabled": True, "serviceMonitor": {"enabled": True}},
    }


def s3_server_values(platform: Platform) -> dict[str, Any]:
    """Versity S3 Gateway over a persistent volume; versions of versioned buckets beside it.

    One replica on a ReadWriteOnce volume (the posix backend does not replicate), so a rollout
    recreates the pod. It implements no bucket lifecycle: config's expiry applies in production
    (S3 lifecycle rules of the storage stack, :mod:`avion_workspace.render.storage`).
    """
    return {
        "image": {"repository": S3_SERVER_IMAGE, "tag": S3_SERVER_VERSION},
        "auth": {
            "existingSecret": S3_CREDENTIALS_SECRET
        },  # rootAccessKeyId, rootSecretAccessKey; pragma: allowlist secret
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
        "environment": {
            "MEILI_ENV": "development" if _is_local(platform) else "production",
            # /metrics (index count, database size) for the data stores dashboard.
            "MEILI_EXPERIMENTAL_ENABLE_METRICS": "true",
        },
        "auth": {"existingMasterKeySecret": "meilisearch-credentials"},  # pragma: allowlist secret
        "persistence": {"enabled": True, "storageClass": "avion-standard", "size": "10Gi"},
        "serviceMonitor": {"enabled": True},
        "resources": _datastore_resources(platform),
    }


def monitoring_values(platform: Platform) -> dict[str, Any]:
    """kube-prometheus-stack: Prometheus, Alertmanager (Slack), Grafana with Loki and dashboards."""
    return {
        "prometheus": {
            "prometheusSpec": {
                "scrapeInterval": platform.monitoring.scrape_interval,
                "retention": platform.monitoring.retention,
                # Alertmanager's routes and inhibitions match on the environment.
                "externalLabels": {"environment": platform.environment.name},
                # Pick up every ServiceMonitor, not only those labelled with this release.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "replicas": _replicas(platform, 2, 1),
            }
        },
        "alertmanager": {
            # The Slack webhook: a Secret mounted as a file, read through api_url_file.
            "alertmanagerSpec": {"secrets": [SLACK_SECRET], "replicas": _replicas(platform, 3, 1)},
            "config": alertmanager_config(platform),
        },
        "grafana": {
            "sidecar": {
                "datasources": {"uid": PROMETHEUS_DATASOURCE_UID},
                "dashboards": {
                    "enabled": True,
                    "label": DASHBOARD_LABEL,
                    "labelValue": "1",
                    "searchNamespace": MONITORING_NAMESPACE,
                },
            },
            "additionalDataSources": [loki_datasource()],
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
            "limits_config": {
                "retention_period": f"{days * 24}h",
                # The trace id travels as structured metadata, not as a label.
                "allow_structured_metadata": True,
            },
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


def _datastore_resources(platform: Platform) -> dict[str, Any]:
    if platform.environment.zones:
        return {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
    return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}


def cluster_values(platform: Platform) -> dict[str, Any]:
    """Values of the avion-cluster chart: namespaces, StorageClass, default policies."""
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
        # CloudNativePG labels every pod of the cluster and of its poolers with cnpg.io/cluster.
        {"name": PG_CLUSTER, "podLabels": {"cnpg.io/cluster": PG_CLUSTER}},
        {"name": REDIS_RELEASE, "podLabels": {"release": REDIS_RELEASE}},
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
            # node-exporter needs host access: privileged by necessity.
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
            "postgres": {
                "cluster": PG_CLUSTER,
                "poolers": [PG_POOLER_RW, PG_POOLER_RO],
                "operatorNamespace": CNPG_NAMESPACE,
                "statusPort": 8000,  # the instance manager's status endpoint
                # The API server's address is the cluster's own; its ports are known.
                "apiServerPorts": [443, 6443],
            },
        },
    }


def infrastructure_releases(platform: Platform) -> list[Release]:
    """Every infrastructure release of ``platform``'s environment, in install order."""
    env = platform.environment.name
    app_ns = platform.environment.namespace

    def values_file(name: str) -> str:
        return f"{INFRA_DIR}/values/{env}/{name}.yaml"

    def upstream(name: str, namespace: str, values: dict[str, Any], *needs: str) -> Release:
        return Release(name, namespace, UPSTREAM[name], values_file(name), values, needs=needs)

    def own(name: str, namespace: str, values: dict[str, Any], *needs: str) -> Release:
        return Release(
            name,
            namespace,
            None,
            values_file(name),
            values,
            local_chart=f"{INFRA_DIR}/charts/{name}",
            needs=needs,
        )

    releases = [
        own(CLUSTER_CHART, "kube-system", cluster_values(platform)),
        upstream(
            "kube-prometheus-stack",
            MONITORING_NAMESPACE,
            monitoring_values(platform),
            CLUSTER_CHART,
        ),
        upstream(
            "ingress-nginx", INGRESS_NAMESPACE, ingress_values(platform), "kube-prometheus-stack"
        ),
        upstream(
            "cloudnative-pg",
            CNPG_NAMESPACE,
            cnpg_operator_values(platform),
            "kube-prometheus-stack",
        ),
        upstream(REDIS_RELEASE, app_ns, redis_values(platform), CLUSTER_CHART),
    ]
    if in_cluster_s3(platform):
        releases.append(upstream(S3_SERVER, app_ns, s3_server_values(platform), CLUSTER_CHART))
    releases += [
        upstream("meilisearch", app_ns, meilisearch_values(platform), CLUSTER_CHART),
        upstream("loki", MONITORING_NAMESPACE, loki_values(platform), "kube-prometheus-stack"),
        upstream("alloy", MONITORING_NAMESPACE, alloy_values(platform), "loki"),
        own(DATASTORES_CHART, app_ns, datastores_values(platform), "cloudnative-pg"),
        own(
            OBSERVABILITY_CHART,
            MONITORING_NAMESPACE,
            observability_values(platform),
            "kube-prometheus-stack",
        ),
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


def yaml_file(
    path: str, data: Any, source: str = PLATFORM_SOURCE, comment: str = ""
) -> GeneratedFile:
    """A YAML document, stamped with the generated-file header and an optional comment."""
    return yaml_text_file(path, to_yaml(data), source, comment)


def yaml_text_file(
    path: str, text: str, source: str = PLATFORM_SOURCE, comment: str = ""
) -> GeneratedFile:
    """:func:`yaml_file` for a document already emitted by :func:`to_yaml` (one emitted
    document written to several files)."""
    lead = "".join(f"# {line}\n" for line in comment.splitlines())
    return GeneratedFile(path, stamp(path, lead + text, source), source)


def json_file(path: str, data: Any, source: str = PLATFORM_SOURCE) -> GeneratedFile:
    return GeneratedFile(path, (jsonout.dumps(data) + "\n").encode("utf-8"), source)


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
                entry["chart"] = f"./charts/{release.name}"
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


# The docs renderer reads what this one writes (the Secrets the values name): built once per
# render context. The entry keeps the context, so its id cannot be reused while it lives.
_FILES: dict[int, tuple[RenderContext, tuple[GeneratedFile, ...]]] = {}


def infrastructure(context: RenderContext) -> tuple[GeneratedFile, ...]:
    """infrastructure/kubernetes/: kind config, the workspace's charts, release values, helmfile."""
    hit = _FILES.get(id(context))
    if hit is not None and hit[0] is context:
        return hit[1]
    files = tuple(_infrastructure_files(context))
    if len(_FILES) >= 64:
        _FILES.clear()
    _FILES[id(context)] = (context, files)
    return files


def _infrastructure_files(context: RenderContext) -> Iterable[GeneratedFile]:
    yield yaml_file(
        f"{INFRA_DIR}/kind-config.yaml",
        kind_config(context.local),
        comment="kind create cluster --config infrastructure/kubernetes/kind-config.yaml",
    )
    for platform in context.platforms.values():
        for release in infrastructure_releases(platform):
            yield yaml_file(release.values_file, dict(release.values))
    yield from cluster_chart_files()
    defaults = {
        CLUSTER_CHART: cluster_values,
        DATASTORES_CHART: datastores_values,
        OBSERVABILITY_CHART: observability_values,
    }
    for name, values in defaults.items():
        yield yaml_file(
            f"{INFRA_DIR}/charts/{name}/values.yaml",
            values(context.local),
            comment=f"Defaults: the local environment. values/<env>/{name}.yaml per environment.",
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
    """The workspace's own infrastructure charts: static templates, stamped."""
    from avion_workspace.render.charts import static_files

    for name in LOCAL_CHARTS:
        yield from static_files(f"kubernetes/{name}", f"{INFRA_DIR}/charts/{name}")
