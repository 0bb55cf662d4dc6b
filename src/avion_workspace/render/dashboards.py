"""Grafana dashboards built with grafana-foundation-sdk: one per service, and the platform's.

Each service's dashboard shows requests, errors, latency, saturation and its logs; the platform
dashboards show the data stores, the ingress and the backups. :func:`dashboard_problems` checks
that every panel's metric is one a known source exports (:data:`alerts.EXPORTED_METRICS`) and
that every data source reference resolves to a provisioned data source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from grafana_foundation_sdk.builders import dashboard as gdash
from grafana_foundation_sdk.builders import logs as glogs
from grafana_foundation_sdk.builders import loki as gloki
from grafana_foundation_sdk.builders import prometheus as gprom
from grafana_foundation_sdk.builders import stat as gstat
from grafana_foundation_sdk.builders import timeseries as gts
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from avion_workspace.config.model import Platform, Service
from avion_workspace.render.alerts import (
    CALLS,
    EXPORTED_METRICS,
    SERVER_FAILURE_CODES,
    memory_bytes,
)
from avion_workspace.render.observability import (
    DATASOURCE_UIDS,
    LOKI_DATASOURCE_UID,
    PROMETHEUS_DATASOURCE_UID,
)

PROMETHEUS = DataSourceRef(type_val="prometheus", uid=PROMETHEUS_DATASOURCE_UID)
LOKI = DataSourceRef(type_val="loki", uid=LOKI_DATASOURCE_UID)
Panel = gts.Panel | gstat.Panel | glogs.Panel


def _prom(expr: str, legend: str = "") -> gprom.Dataquery:
    query = gprom.Dataquery().expr(expr).datasource(PROMETHEUS)
    return query.legend_format(legend) if legend else query


def _series(title: str, unit: str, *queries: gprom.Dataquery, span: int = 12) -> gts.Panel:
    panel = gts.Panel().title(title).unit(unit).datasource(PROMETHEUS).span(span).height(8)
    for query in queries:
        panel = panel.with_target(query)
    return panel


def _stat(title: str, unit: str, query: gprom.Dataquery, span: int = 6) -> gstat.Panel:
    return (
        gstat.Panel()
        .title(title)
        .unit(unit)
        .datasource(PROMETHEUS)
        .span(span)
        .height(4)
        .with_target(query)
    )


def _board(uid: str, title: str, tags: list[str], panels: Iterable[Panel]) -> dict[str, Any]:
    builder = (
        gdash.Dashboard(title).uid(uid).tags(["avion", *tags]).refresh("30s").time("now-6h", "now")
    )
    for panel in panels:
        builder = builder.with_panel(panel)
    encoded: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return encoded


def service_dashboard(platform: Platform, service: Service) -> dict[str, Any]:
    """Requests, errors, latency, saturation and logs of one service."""
    name = service.name
    sel = f'service="{name}"'
    failures = "|".join(str(c) for c in SERVER_FAILURE_CODES)
    calls = f"{CALLS}_count"
    bucket = f"{CALLS}_bucket"
    return _board(
        f"avion-service-{name}",
        f"Avion / service / {name}",
        ["service", name],
        [
            _series(
                "Requests per second by method",
                "reqps",
                _prom(f"sum by (rpc_method) (rate({calls}{{{sel}}}[5m]))", "{{rpc_method}}"),
            ),
            _series(
                "Server errors (share of calls)",
                "percentunit",
                _prom(
                    f'sum(rate({calls}{{{sel},rpc_grpc_status_code=~"{failures}"}}[5m]))'
                    f" / sum(rate({calls}{{{sel}}}[5m]))",
                    "errors",
                ),
            ),
            _series(
                "Latency",
                "s",
                _prom(f"histogram_quantile(0.5, sum by (le) (rate({bucket}{{{sel}}}[5m])))", "p50"),
                _prom(
                    f"histogram_quantile(0.99, sum by (le) (rate({bucket}{{{sel}}}[5m])))", "p99"
                ),
            ),
            _series(
                "CPU (cores) and memory (share of limit)",
                "percentunit",
                _prom(f"rate(process_cpu_seconds_total{{{sel}}}[5m])", "cpu {{instance}}"),
                _prom(
                    f"process_resident_memory_bytes{{{sel}}}"
                    f" / {memory_bytes(service.resources.memory_limit)}",
                    "memory {{instance}}",
                ),
            ),
            _series(
                "Dependencies up",
                "short",
                _prom(f"avion_dependency_up{{{sel}}}", "{{dependency}}"),
            ),
            _stat("Instances up", "short", _prom(f"sum(up{{{sel}}})")),
            glogs.Panel()
            .title("Logs")
            .datasource(LOKI)
            .span(24)
            .height(10)
            .with_target(gloki.Dataquery().expr(f"{{{sel}}}").datasource(LOKI)),
        ],
    )


def datastores_dashboard(platform: Platform) -> dict[str, Any]:
    return _board(
        "avion-datastores",
        "Avion / data stores",
        ["platform"],
        [
            _stat("PostgreSQL instances up", "short", _prom("sum(cnpg_collector_up{})")),
            _stat("Redis servers up", "short", _prom("sum(redis_up{})")),
            _stat("Search indexes", "short", _prom("sum(meilisearch_index_count{})")),
            _series(
                "PostgreSQL replication lag",
                "s",
                _prom("max by (pod) (cnpg_pg_replication_lag{})", "{{pod}}"),
            ),
            _series(
                "PostgreSQL connections by database",
                "short",
                _prom("sum by (datname) (cnpg_backends_total{})", "{{datname}}"),
            ),
            _series(
                "PostgreSQL database size",
                "bytes",
                _prom("max by (datname) (cnpg_pg_database_size_bytes{})", "{{datname}}"),
            ),
            _series(
                "Redis memory and clients",
                "short",
                _prom("max(redis_memory_used_bytes{})", "memory (bytes)"),
                _prom("sum(redis_connected_clients{})", "clients"),
            ),
            _series(
                "Volumes: free share",
                "percentunit",
                _prom(
                    "kubelet_volume_stats_available_bytes{} / kubelet_volume_stats_capacity_bytes{}",
                    "{{persistentvolumeclaim}}",
                ),
            ),
        ],
    )


def ingress_dashboard(platform: Platform) -> dict[str, Any]:
    return _board(
        "avion-ingress",
        "Avion / ingress",
        ["platform"],
        [
            _series(
                "Requests per second by host and status",
                "reqps",
                _prom(
                    "sum by (host, status) (rate(nginx_ingress_controller_requests{}[5m]))",
                    "{{host}} {{status}}",
                ),
            ),
            _series(
                "p99 latency by host",
                "s",
                _prom(
                    "histogram_quantile(0.99, sum by (le, host) "
                    "(rate(nginx_ingress_controller_request_duration_seconds_bucket{}[5m])))",
                    "{{host}}",
                ),
            ),
        ],
    )


def backups_dashboard(platform: Platform) -> dict[str, Any]:
    return _board(
        "avion-backups",
        "Avion / backups",
        ["platform"],
        [
            _stat(
                "Age of the latest base backup",
                "s",
                _prom("time() - max(cnpg_collector_last_available_backup_timestamp{})"),
            ),
            _stat(
                "Latest backup failed",
                "short",
                _prom(
                    "max(cnpg_collector_last_failed_backup_timestamp{})"
                    " > bool max(cnpg_collector_last_available_backup_timestamp{})"
                ),
            ),
            _series(
                "Seconds since the latest archived WAL",
                "s",
                _prom(
                    "time() - max by (pod) (cnpg_pg_stat_archiver_last_archived_time{})", "{{pod}}"
                ),
            ),
        ],
    )


def dashboards(platform: Platform) -> dict[str, dict[str, Any]]:
    """Every dashboard by file name (without .json)."""
    out = {
        f"service-{name}": service_dashboard(platform, service)
        for name, service in platform.services.items()
    }
    out["datastores"] = datastores_dashboard(platform)
    out["ingress"] = ingress_dashboard(platform)
    out["backups"] = backups_dashboard(platform)
    return out


# -- checks -------------------------------------------------------------------------------------

_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")
_GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "bool"})


def expression_metrics(expr: str) -> set[str]:
    """Metric names in a PromQL expression (every selector here is written with braces)."""
    return {name for name in _SELECTOR.findall(expr) if name not in _GROUPING}


def dashboard_problems(
    boards: Mapping[str, Mapping[str, Any]],
    known_metrics: Mapping[str, frozenset[str]] = EXPORTED_METRICS,
    datasources: Mapping[str, str] = DATASOURCE_UIDS,
) -> list[str]:
    """Unknown metrics and unresolved data source references, as ``board: panel: message``."""
    known = frozenset().union(*known_metrics.values())
    problems = []
    for board_name, board in boards.items():
        for panel in board.get("panels", []):
            where = f"{board_name}: {panel.get('title', '?')}"
            refs = [panel.get("datasource")] + [
                t.get("datasource") for t in panel.get("targets", [])
            ]
            for ref in refs:
                if not isinstance(ref, Mapping) or datasources.get(ref.get("type", "")) != ref.get(
                    "uid"
                ):
                    problems.append(f"{where}: data source {ref!r} is not provisioned")
            targets = panel.get("targets", [])
            if not targets:
                problems.append(f"{where}: no query")
            for target in targets:
                expr = str(target.get("expr", ""))
                if (target.get("datasource") or {}).get("type") != "prometheus":
                    continue
                for metric in sorted(expression_metrics(expr) - known):
                    problems.append(f"{where}: metric {metric} is exported by no known source")
                if not expression_metrics(expr):
                    problems.append(f"{where}: query {expr!r} names no metric")
    return problems


__all__ = ["dashboard_problems", "dashboards", "expression_metrics", "service_dashboard"]
