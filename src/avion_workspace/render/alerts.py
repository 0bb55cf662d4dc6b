"""Alert rules computed from config: one group per service, one for the platform, with tests.

Every alert carries the two cases its ``promtool test rules`` file checks — input series under
which it fires and under which it stays silent — so an alert cannot exist without its tests.
The same rules are rendered three ways: ``PrometheusRule`` values in each service chart,
the platform chart's ``PrometheusRule``, and plain rule files (with their promtool tests) under
``infrastructure/monitoring/<env>/`` that the local Prometheus loads.

Metric names are the ones the service runtime really exports (``avion_grpc``'s call histogram,
``prometheus_client``'s process collector, the runtime's dependency gauge) and those of the
exporters the cluster runs (CloudNativePG, redis_exporter, kubelet); :data:`EXPORTED_METRICS`
lists them, and dashboards are checked against the same list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from avion_workspace.config.model import Platform, Service

# Rendered rule files and their promtool tests, per environment.
MONITORING_DIR = "infrastructure/monitoring"
SERVICE_RUNBOOK = "service-alerts.md"
PLATFORM_RUNBOOK = "platform-alerts.md"
SERVICE_GROUP_PREFIX = "avion-"  # a service's rule group: avion-<service>
PLATFORM_GROUP = f"{SERVICE_GROUP_PREFIX}platform"

# The call histogram avion_grpc records (avion_grpc.CALL_DURATION, seconds) as Prometheus sees it.
CALLS = "rpc_server_call_duration_seconds"
# gRPC codes that mean the server failed (avion_grpc.SERVER_FAILURES: UNKNOWN, DEADLINE_EXCEEDED,
# UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS); a unit test holds the two in step.
SERVER_FAILURE_CODES = (2, 4, 12, 13, 14, 15)
ERROR_RATIO = 0.05
LATENCY_P99_SECONDS = 1.0
SATURATION_RATIO = 0.9
# CloudNativePG's ScheduledBackup runs daily; a backup older than a day plus slack is missing.
BACKUP_SCHEDULE = "0 17 2 * * *"
BACKUP_MAX_AGE_SECONDS = 26 * 3600

# Metrics each source exports that rules and dashboards may use. The service runtime's are
# checked against a running service's /metrics by tests/integration/services.
EXPORTED_METRICS: Mapping[str, frozenset[str]] = {
    "service": frozenset(
        {
            "up",
            f"{CALLS}_bucket",
            f"{CALLS}_count",
            f"{CALLS}_sum",
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_start_time_seconds",
            "process_open_fds",
            "avion_dependency_up",
        }
    ),
    "cloudnative-pg": frozenset(
        {
            "cnpg_collector_up",
            "cnpg_pg_replication_lag",
            "cnpg_backends_total",
            "cnpg_pg_settings_setting",
            "cnpg_pg_stat_archiver_last_failed_time",
            "cnpg_pg_stat_archiver_last_archived_time",
            "cnpg_collector_last_available_backup_timestamp",
            "cnpg_collector_last_failed_backup_timestamp",
            "cnpg_pg_database_size_bytes",
        }
    ),
    "redis_exporter": frozenset(
        {
            "redis_up",
            "redis_connected_slaves",
            "redis_connected_clients",
            "redis_memory_used_bytes",
            "redis_memory_max_bytes",
            "redis_rejected_connections_total",
            "redis_commands_processed_total",
        }
    ),
    "kubelet": frozenset(
        {"kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes"}
    ),
    "ingress-nginx": frozenset(
        {
            "nginx_ingress_controller_requests",
            "nginx_ingress_controller_request_duration_seconds_bucket",
        }
    ),
    "meilisearch": frozenset({"meilisearch_index_count", "meilisearch_db_size_bytes"}),
}


@dataclass(frozen=True)
class Case:
    """Input series (selector → promtool values notation) and when to evaluate them."""

    series: Mapping[str, str]
    eval_time: str
    labels: Mapping[str, str] = field(default_factory=dict)  # labels the alert keeps from series


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: str  # critical | warning
    summary: str
    description: str
    runbook: str  # file under docs/runbooks/
    fires: Case
    silent: Case
    labels: Mapping[str, str] = field(default_factory=dict)
    docs: str = ""  # where docs/runbooks/ is browsable: see runbook_base()

    @property
    def runbook_url(self) -> str:
        return f"{self.docs}/{self.runbook}#{self.name.lower()}"

    @property
    def rule_labels(self) -> dict[str, str]:
        return {"severity": self.severity, **self.labels}

    def annotations(self) -> dict[str, str]:
        return {
            "summary": self.summary,
            "description": self.description,
            "runbook_url": self.runbook_url,
        }

    def rule(self, *, for_override: str | None = None) -> dict[str, Any]:
        """The rule as Prometheus (and the PrometheusRule CRD) spells it."""
        out: dict[str, Any] = {"alert": self.name, "expr": self.expr}
        duration = for_override if for_override is not None else self.for_
        if duration != "0m":
            out["for"] = duration
        out["labels"] = self.rule_labels
        out["annotations"] = self.annotations()
        return out


@dataclass(frozen=True)
class RuleGroup:
    name: str
    alerts: tuple[Alert, ...]
    interval: str

    def document(self, *, for_override: str | None = None) -> dict[str, Any]:
        """A Prometheus rule file with this one group."""
        return {
            "groups": [
                {
                    "name": self.name,
                    "interval": self.interval,
                    "rules": [a.rule(for_override=for_override) for a in self.alerts],
                }
            ]
        }


@dataclass(frozen=True)
class Runbook:
    """What an alert means and what to do first: the text of its section in docs/runbooks/."""

    title: str
    meaning: str
    actions: tuple[str, ...]


# One section per alert name; per-service alerts share their section.
RUNBOOKS: Mapping[str, Runbook] = {
    "AvionServiceDown": Runbook(
        "A service is down",
        "Prometheus cannot scrape the service's /metrics: the pods are gone, crash-looping, or "
        "not ready, or a NetworkPolicy blocks the monitoring namespace.",
        (
            "`kubectl -n <namespace> get pods -l app.kubernetes.io/name=<service>`",
            "`kubectl -n <namespace> describe pod <pod>` and `kubectl logs <pod> --previous`",
            "Locally: is the service running (`inv run <service>`)? Its port is in .env.",
        ),
    ),
    "AvionServiceErrorRate": Runbook(
        "A service answers with server errors",
        f"More than {ERROR_RATIO:.0%} of the service's gRPC calls over 5 minutes ended with a "
        "server-failure status (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, "
        "UNAVAILABLE, DATA_LOSS).",
        (
            "Check for a platform alert first (AvionPostgresDown inhibits this one).",
            "Search the service's logs in Grafana (Loki) for `level=error` and follow a trace id.",
            "A deploy just happened? `helm rollback <service>`.",
        ),
    ),
    "AvionServiceLatencyP99": Runbook(
        "A service is slow",
        f"The 99th percentile of gRPC call duration exceeded {LATENCY_P99_SECONDS:g} s for "
        "10 minutes.",
        (
            "Look at the service dashboard: is it saturated (CPU, memory) or waiting on a store?",
            "Check PostgreSQL (connections, replication lag) and Redis dashboards.",
            "Scale out if CPU-bound: the HPA's max replicas is in config/environments/<env>.yaml.",
        ),
    ),
    "AvionServiceRestarting": Runbook(
        "A service keeps restarting",
        "The service's process start time changed more than twice in 15 minutes: it crashes, is "
        "OOM-killed, or fails its liveness probe.",
        (
            "`kubectl -n <namespace> get pods` (RESTARTS) and `kubectl describe pod` (Last State).",
            "OOMKilled: raise the memory limit in config, or find the leak.",
            "Read the logs of the previous container: `kubectl logs <pod> --previous`.",
        ),
    ),
    "AvionServiceCpuSaturated": Runbook(
        "A service uses nearly all its CPU limit",
        f"A process used more than {SATURATION_RATIO:.0%} of its CPU limit for 15 minutes; it "
        "is being throttled and latency follows.",
        (
            "Check whether the HPA is at its maximum replicas.",
            "Raise the CPU limit or max replicas in config/environments/<env>.yaml.",
        ),
    ),
    "AvionServiceMemorySaturated": Runbook(
        "A service is close to its memory limit",
        f"A process's resident memory exceeded {SATURATION_RATIO:.0%} of its memory limit for "
        "15 minutes; the kernel OOM-kills it at the limit.",
        (
            "Compare with the previous release: a leak grows steadily.",
            "Raise the memory limit in config/environments/<env>.yaml if the load justifies it.",
        ),
    ),
    "AvionServiceDependencyDown": Runbook(
        "A service cannot reach a dependency",
        "The service's readiness check of a dependency (database, Redis, S3, search) has failed "
        "for 5 minutes; the service reports not ready and receives no traffic.",
        (
            "The `dependency` label names it; check that store's platform alerts.",
            "Check the NetworkPolicy egress of the service and the store's credentials Secret.",
        ),
    ),
    "AvionPostgresDown": Runbook(
        "A PostgreSQL instance is down",
        "CloudNativePG's exporter reports the instance's PostgreSQL as not running.",
        (
            "`kubectl cnpg status avion-postgres -n <namespace>` (the cnpg kubectl plugin).",
            "`kubectl -n <namespace> get pods -l cnpg.io/cluster=avion-postgres`",
            "If the primary is gone the operator fails over; check that a new primary exists.",
        ),
    ),
    "AvionPostgresReplicationLag": Runbook(
        "A PostgreSQL replica lags behind",
        "A standby replays WAL more than 30 seconds behind the primary; reads through the "
        "read-only pooler return stale data.",
        (
            "Check the replica's node (disk, CPU) and network to the primary.",
            "`kubectl cnpg status avion-postgres` shows each standby's lag.",
        ),
    ),
    "AvionPostgresConnectionsSaturated": Runbook(
        "PostgreSQL is running out of connections",
        "More than 90% of max_connections are in use on an instance.",
        (
            "Services must connect through the PgBouncer pooler; look for a client that does not.",
            "Check the pooler's pool size and the services' pool settings.",
        ),
    ),
    "AvionPostgresWalArchivingFailing": Runbook(
        "WAL archiving to the backups bucket fails",
        "The latest WAL archiving attempt failed after the latest success: point-in-time "
        "recovery is no longer possible past that point, and WAL accumulates on disk.",
        (
            "Check the backups bucket's credentials Secret and the object storage endpoint.",
            "`kubectl -n <namespace> logs <primary pod>` shows barman-cloud errors.",
        ),
    ),
    "AvionBackupFailed": Runbook(
        "The scheduled database backup failed",
        "CloudNativePG's latest base backup failed after the latest successful one.",
        (
            "`kubectl -n <namespace> get backups.postgresql.cnpg.io` and describe the failed one.",
            "Fix the cause, then take one now: `kubectl cnpg backup avion-postgres`.",
        ),
    ),
    "AvionBackupMissing": Runbook(
        "No recent database backup",
        f"The latest successful base backup is older than {BACKUP_MAX_AGE_SECONDS // 3600} "
        "hours: the daily ScheduledBackup did not run or did not succeed.",
        (
            "`kubectl -n <namespace> get scheduledbackups.postgresql.cnpg.io` (suspended? "
            "last schedule time?)",
            "Take one now: `kubectl cnpg backup avion-postgres`.",
        ),
    ),
    "AvionRedisDown": Runbook(
        "A Redis node is down",
        "redis_exporter cannot reach its Redis server.",
        (
            "`kubectl -n <namespace> get pods -l app=redis-ha`",
            "Sentinel promotes a replica when the master is gone; check `SENTINEL masters`.",
        ),
    ),
    "AvionRedisReplicasMissing": Runbook(
        "Redis has fewer replicas than configured",
        "The master reports fewer connected replicas than the environment runs: a failover "
        "would have nothing to promote.",
        ("Check the replica pods and their persistent volumes.",),
    ),
    "AvionRedisRejectedConnections": Runbook(
        "Redis rejects connections",
        "Redis refused connections in the last 5 minutes (maxclients reached).",
        ("Find the client holding connections (CLIENT LIST); check the services' pool sizes.",),
    ),
    "AvionVolumeFillingUp": Runbook(
        "A persistent volume is almost full",
        "Less than 10% of a PersistentVolume is free (PostgreSQL, Redis, search, Loki).",
        (
            "Grow the PVC (the avion-standard StorageClass allows expansion) or free space.",
            "For PostgreSQL, check WAL archiving first: failing archiving fills the volume.",
        ),
    ),
    "AvionSearchDown": Runbook(
        "Meilisearch is down",
        "Prometheus cannot scrape Meilisearch; the search service answers not ready.",
        ("`kubectl -n <namespace> get pods -l app.kubernetes.io/name=meilisearch`",),
    ),
}


# -- per-service alerts -------------------------------------------------------------------------


def runbook_base(platform: Platform) -> str:
    """docs/runbooks on the repository's default branch: the images' registry owner
    (``ghcr.io/<owner>``) is the GitHub owner, the platform's name the repository."""
    owner = platform.ci.registry.split("/")[1]
    return f"https://github.com/{owner}/{platform.name}/blob/main/docs/runbooks"


def _alert_factory(platform: Platform) -> Callable[..., Alert]:
    """:class:`Alert` with ``docs`` set for ``platform`` (built once, not copied after)."""
    return functools.partial(Alert, docs=runbook_base(platform))


def cpu_cores(quantity: str) -> float:
    """A Kubernetes CPU quantity (``500m``, ``2``) in cores."""
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


_MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6}


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (``512Mi``, ``1Gi``) in bytes."""
    match = re.fullmatch(r"(\d+)([A-Za-z]*)", quantity)
    if match is None:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    number, unit = match.groups()
    return int(number) * _MEMORY_UNITS.get(unit, 1)


def _target(service: str) -> dict[str, str]:
    """The labels a scraped series of ``service`` carries (as in a promtool test)."""
    return {"service": service, "job": service, "instance": f"{service}:8080"}


def _selector(metric: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{metric}{{{inner}}}"


# One render asks for a service's alerts several times (its chart, the rule files, the rule
# tests, the runbooks): built once per (platform, service) object. The entry keeps both objects,
# so their ids cannot be reused while it lives; the cache is cleared when it grows large.
_ALERTS: dict[tuple[int, int], tuple[Platform, Service, tuple[Alert, ...]]] = {}
_ALERTS_MAX = 4096


def service_alerts(platform: Platform, service: Service) -> tuple[Alert, ...]:
    """Availability, errors, latency, restarts and saturation of one service."""
    key = (id(platform), id(service))
    hit = _ALERTS.get(key)
    if hit is not None and hit[0] is platform and hit[1] is service:
        return hit[2]
    alerts = _service_alerts(platform, service)
    if len(_ALERTS) >= _ALERTS_MAX:
        _ALERTS.clear()
    _ALERTS[key] = (platform, service, alerts)
    return alerts


def _service_alerts(platform: Platform, service: Service) -> tuple[Alert, ...]:
    name = service.name
    target = _target(name)
    sel = f'service="{name}"'
    failures = "|".join(str(c) for c in SERVER_FAILURE_CODES)
    calls = f"{CALLS}_count"
    cores = cpu_cores(service.resources.cpu_limit)
    limit = memory_bytes(service.resources.memory_limit)
    own = {"service": name}

    def series(metric: str, values: str, **extra: str) -> dict[str, str]:
        return {_selector(metric, {**target, **extra}): values}

    alert = _alert_factory(platform)
    return (
        alert(
            "AvionServiceDown",
            f"up{{{sel}}} == 0",
            "2m",
            "critical",
            f"{name} is down",
            f"Prometheus has not scraped {name} for 2 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(series("up", "0x10"), "5m", target),
            silent=Case(series("up", "1x10"), "5m"),
            labels=own,
        ),
        alert(
            "AvionServiceErrorRate",
            f'(sum(rate({calls}{{{sel},rpc_grpc_status_code=~"{failures}"}}[5m])) or vector(0))'
            f" / sum(rate({calls}{{{sel}}}[5m])) > {ERROR_RATIO}",
            "5m",
            "critical",
            f"{name} fails more than {ERROR_RATIO:.0%} of its calls",
            f"Over 5 minutes more than {ERROR_RATIO:.0%} of {name}'s gRPC calls ended with a "
            "server failure.",
            SERVICE_RUNBOOK,
            fires=Case(
                {
                    **series(calls, "0+10x20", rpc_grpc_status_code="13"),
                    **series(calls, "0+10x20", rpc_grpc_status_code="0"),
                },
                "15m",
            ),
            silent=Case(series(calls, "0+10x20", rpc_grpc_status_code="0"), "15m"),
            labels=own,
        ),
        alert(
            "AvionServiceLatencyP99",
            f"histogram_quantile(0.99, sum by (le) (rate({CALLS}_bucket{{{sel}}}[5m])))"
            f" > {LATENCY_P99_SECONDS}",
            "10m",
            "warning",
            f"{name} is slow: p99 above {LATENCY_P99_SECONDS:g} s",
            f"The 99th percentile of {name}'s gRPC call duration has been above "
            f"{LATENCY_P99_SECONDS:g} s for 10 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(
                {
                    **series(f"{CALLS}_bucket", "0x30", le="0.5"),
                    **series(f"{CALLS}_bucket", "0+10x30", le="2.5"),
                    **series(f"{CALLS}_bucket", "0+10x30", le="+Inf"),
                },
                "20m",
            ),
            silent=Case(
                {
                    **series(f"{CALLS}_bucket", "0+10x30", le="0.5"),
                    **series(f"{CALLS}_bucket", "0+10x30", le="2.5"),
                    **series(f"{CALLS}_bucket", "0+10x30", le="+Inf"),
                },
                "20m",
            ),
            labels=own,
        ),
        alert(
            "AvionServiceRestarting",
            f"changes(process_start_time_seconds{{{sel}}}[15m]) > 2",
            "0m",
            "warning",
            f"{name} restarted more than twice in 15 minutes",
            f"The process start time of a {name} instance changed more than twice in 15 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(series("process_start_time_seconds", "0+60x20"), "10m", target),
            silent=Case(series("process_start_time_seconds", "1000x20"), "10m"),
            labels=own,
        ),
        alert(
            "AvionServiceCpuSaturated",
            f"rate(process_cpu_seconds_total{{{sel}}}[5m]) / {cores:g} > {SATURATION_RATIO}",
            "15m",
            "warning",
            f"{name} uses more than {SATURATION_RATIO:.0%} of its CPU limit",
            f"A {name} process has used more than {SATURATION_RATIO:.0%} of its "
            f"{service.resources.cpu_limit} CPU limit for 15 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(series("process_cpu_seconds_total", f"0+{cores * 60:g}x40"), "30m", target),
            silent=Case(series("process_cpu_seconds_total", f"0+{cores * 6:g}x40"), "30m"),
            labels=own,
        ),
        alert(
            "AvionServiceMemorySaturated",
            f"process_resident_memory_bytes{{{sel}}} / {limit} > {SATURATION_RATIO}",
            "15m",
            "warning",
            f"{name} is close to its memory limit",
            f"A {name} process has used more than {SATURATION_RATIO:.0%} of its "
            f"{service.resources.memory_limit} memory limit for 15 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(series("process_resident_memory_bytes", f"{limit}x40"), "30m", target),
            silent=Case(series("process_resident_memory_bytes", f"{limit // 2}x40"), "30m"),
            labels=own,
        ),
        alert(
            "AvionServiceDependencyDown",
            f"avion_dependency_up{{{sel}}} == 0",
            "5m",
            "warning",
            f"{name} cannot reach a dependency",
            f"{name}'s readiness check of a dependency has failed for 5 minutes.",
            SERVICE_RUNBOOK,
            fires=Case(
                series("avion_dependency_up", "0x20", dependency="postgres"),
                "10m",
                {**target, "dependency": "postgres"},
            ),
            silent=Case(series("avion_dependency_up", "1x20", dependency="postgres"), "10m"),
            labels=own,
        ),
    )


# -- platform alerts ----------------------------------------------------------------------------


def redis_replicas(platform: Platform) -> int:
    """Redis servers in the environment: three across zones, else one."""
    return 3 if len(platform.environment.zones) >= 3 else 1


def platform_alerts(platform: Platform) -> tuple[Alert, ...]:
    """PostgreSQL (CloudNativePG), backups, Redis, volumes and search."""
    ns = platform.environment.namespace
    pg = {"namespace": ns, "cluster": "avion-postgres", "pod": "avion-postgres-1"}
    redis = {"namespace": ns, "instance": "redis-0:9121"}
    volume = {"namespace": ns, "persistentvolumeclaim": "pgdata-avion-postgres-1"}
    search = {"namespace": ns, "job": "meilisearch", "instance": "meilisearch:7700"}

    def s(metric: str, labels: Mapping[str, str], values: str) -> dict[str, str]:
        return {_selector(metric, labels): values}

    alert = _alert_factory(platform)
    alerts = [
        alert(
            "AvionPostgresDown",
            "cnpg_collector_up == 0",
            "2m",
            "critical",
            "A PostgreSQL instance is down",
            "CloudNativePG reports PostgreSQL not running on an instance for 2 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(s("cnpg_collector_up", pg, "0x10"), "5m", pg),
            silent=Case(s("cnpg_collector_up", pg, "1x10"), "5m"),
            labels={"component": "postgres"},
        ),
        alert(
            "AvionPostgresReplicationLag",
            "cnpg_pg_replication_lag > 30",
            "5m",
            "warning",
            "A PostgreSQL replica lags more than 30 s",
            "A standby has been more than 30 seconds behind the primary for 5 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(s("cnpg_pg_replication_lag", pg, "60x20"), "10m", pg),
            silent=Case(s("cnpg_pg_replication_lag", pg, "1x20"), "10m"),
            labels={"component": "postgres"},
        ),
        alert(
            "AvionPostgresConnectionsSaturated",
            "sum by (namespace, pod) (cnpg_backends_total)"
            ' / on (namespace, pod) max by (namespace, pod) (cnpg_pg_settings_setting{name="max_connections"})'
            f" > {SATURATION_RATIO}",
            "5m",
            "warning",
            "PostgreSQL connections are nearly exhausted",
            f"More than {SATURATION_RATIO:.0%} of max_connections are in use on an instance.",
            PLATFORM_RUNBOOK,
            fires=Case(
                {
                    **s("cnpg_backends_total", {**pg, "datname": "avion_auth_db"}, "95x20"),
                    **s("cnpg_pg_settings_setting", {**pg, "name": "max_connections"}, "100x20"),
                },
                "10m",
                {"namespace": ns, "pod": pg["pod"]},
            ),
            silent=Case(
                {
                    **s("cnpg_backends_total", {**pg, "datname": "avion_auth_db"}, "20x20"),
                    **s("cnpg_pg_settings_setting", {**pg, "name": "max_connections"}, "100x20"),
                },
                "10m",
            ),
            labels={"component": "postgres"},
        ),
        alert(
            "AvionPostgresWalArchivingFailing",
            "cnpg_pg_stat_archiver_last_failed_time > cnpg_pg_stat_archiver_last_archived_time",
            "10m",
            "critical",
            "WAL archiving to the backups bucket fails",
            "The latest WAL archiving attempt failed after the latest success, for 10 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(
                {
                    **s("cnpg_pg_stat_archiver_last_failed_time", pg, "0+60x30"),
                    **s("cnpg_pg_stat_archiver_last_archived_time", pg, "100x30"),
                },
                "20m",
                pg,
            ),
            silent=Case(
                {
                    **s("cnpg_pg_stat_archiver_last_failed_time", pg, "100x30"),
                    **s("cnpg_pg_stat_archiver_last_archived_time", pg, "0+60x30"),
                },
                "20m",
            ),
            labels={"component": "backup"},
        ),
        alert(
            "AvionBackupFailed",
            "cnpg_collector_last_failed_backup_timestamp"
            " > cnpg_collector_last_available_backup_timestamp",
            "0m",
            "critical",
            "The latest database backup failed",
            "CloudNativePG's latest base backup failed after the latest successful one.",
            PLATFORM_RUNBOOK,
            fires=Case(
                {
                    **s("cnpg_collector_last_failed_backup_timestamp", pg, "2000x5"),
                    **s("cnpg_collector_last_available_backup_timestamp", pg, "1000x5"),
                },
                "2m",
                pg,
            ),
            silent=Case(
                {
                    **s("cnpg_collector_last_failed_backup_timestamp", pg, "1000x5"),
                    **s("cnpg_collector_last_available_backup_timestamp", pg, "2000x5"),
                },
                "2m",
            ),
            labels={"component": "backup"},
        ),
        alert(
            "AvionBackupMissing",
            f"time() - cnpg_collector_last_available_backup_timestamp > {BACKUP_MAX_AGE_SECONDS}",
            "0m",
            "critical",
            f"No database backup in {BACKUP_MAX_AGE_SECONDS // 3600} hours",
            f"The latest successful base backup is older than {BACKUP_MAX_AGE_SECONDS // 3600} "
            "hours.",
            PLATFORM_RUNBOOK,
            # One sample an hour (promtool's series step is the test's interval, 1m: 60 steps).
            fires=Case(
                s("cnpg_collector_last_available_backup_timestamp", pg, "0x1860"), "30h", pg
            ),
            silent=Case(
                s("cnpg_collector_last_available_backup_timestamp", pg, "0+60x1860"), "30h"
            ),
            labels={"component": "backup"},
        ),
        alert(
            "AvionRedisDown",
            "redis_up == 0",
            "2m",
            "critical",
            "A Redis server is down",
            "redis_exporter has not reached its Redis server for 2 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(s("redis_up", redis, "0x10"), "5m", redis),
            silent=Case(s("redis_up", redis, "1x10"), "5m"),
            labels={"component": "redis"},
        ),
        alert(
            "AvionRedisRejectedConnections",
            "increase(redis_rejected_connections_total[5m]) > 0",
            "0m",
            "warning",
            "Redis rejects connections",
            "Redis refused client connections in the last 5 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(s("redis_rejected_connections_total", redis, "0+5x10"), "8m", redis),
            silent=Case(s("redis_rejected_connections_total", redis, "3x10"), "8m"),
            labels={"component": "redis"},
        ),
        alert(
            "AvionVolumeFillingUp",
            "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.1",
            "5m",
            "warning",
            "A persistent volume is more than 90% full",
            "Less than 10% of a PersistentVolume has been free for 5 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(
                {
                    **s("kubelet_volume_stats_available_bytes", volume, "5x20"),
                    **s("kubelet_volume_stats_capacity_bytes", volume, "100x20"),
                },
                "10m",
                volume,
            ),
            silent=Case(
                {
                    **s("kubelet_volume_stats_available_bytes", volume, "50x20"),
                    **s("kubelet_volume_stats_capacity_bytes", volume, "100x20"),
                },
                "10m",
            ),
            labels={"component": "storage"},
        ),
        alert(
            "AvionSearchDown",
            'up{job="meilisearch"} == 0',
            "5m",
            "critical",
            "Meilisearch is down",
            "Prometheus has not scraped Meilisearch for 5 minutes.",
            PLATFORM_RUNBOOK,
            fires=Case(s("up", search, "0x20"), "10m", search),
            silent=Case(s("up", search, "1x20"), "10m"),
            labels={"component": "search"},
        ),
    ]
    replicas = redis_replicas(platform)
    if replicas > 1:
        master = {**redis, "role": "master"}
        alerts.append(
            alert(
                "AvionRedisReplicasMissing",
                f'max(redis_connected_slaves{{role="master"}}) < {replicas - 1}',
                "10m",
                "warning",
                "Redis has fewer replicas than configured",
                f"The Redis master has had fewer than {replicas - 1} replicas for 10 minutes.",
                PLATFORM_RUNBOOK,
                fires=Case(s("redis_connected_slaves", master, "1x30"), "20m"),
                silent=Case(s("redis_connected_slaves", master, f"{replicas - 1}x30"), "20m"),
                labels={"component": "redis"},
            )
        )
    return tuple(alerts)


# -- groups and files ---------------------------------------------------------------------------


def rule_groups(platform: Platform) -> tuple[RuleGroup, ...]:
    """Every rule group of ``platform``'s environment: each service's, then the platform's."""
    interval = platform.monitoring.scrape_interval
    groups = [
        RuleGroup(f"{SERVICE_GROUP_PREFIX}{name}", service_alerts(platform, service), interval)
        for name, service in platform.services.items()
    ]
    groups.append(platform_group(platform))
    return tuple(groups)


def platform_group(platform: Platform) -> RuleGroup:
    """The platform's own rule group (data stores, storage, search, backups)."""
    return RuleGroup(PLATFORM_GROUP, platform_alerts(platform), platform.monitoring.scrape_interval)


def service_rule_values(platform: Platform, service: Service) -> dict[str, Any]:
    """The ``prometheusRule`` values of ``service``'s chart."""
    return {
        "enabled": True,
        "interval": platform.monitoring.scrape_interval,
        "labels": {"release": "kube-prometheus-stack"},
        "rules": [a.rule() for a in service_alerts(platform, service)],
    }


def rule_test(group: RuleGroup, rule_file: str) -> dict[str, Any]:
    """A promtool test file: per alert, one test where it fires and one where it is silent."""
    tests = []
    for alert in group.alerts:
        for case, firing in ((alert.fires, True), (alert.silent, False)):
            expected = (
                [
                    {
                        "exp_labels": {**case.labels, **alert.rule_labels},
                        "exp_annotations": alert.annotations(),
                    }
                ]
                if firing
                else []
            )
            tests.append(
                {
                    "name": f"{alert.name} {'fires' if firing else 'stays silent'}",
                    "interval": "1m",
                    "input_series": [
                        {"series": selector, "values": values}
                        for selector, values in case.series.items()
                    ],
                    "alert_rule_test": [
                        {
                            "eval_time": case.eval_time,
                            "alertname": alert.name,
                            "exp_alerts": expected,
                        }
                    ],
                }
            )
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": tests}


__all__ = [
    "EXPORTED_METRICS",
    "Alert",
    "Case",
    "RuleGroup",
    "platform_alerts",
    "rule_groups",
    "rule_test",
    "service_alerts",
    "service_rule_values",
]
