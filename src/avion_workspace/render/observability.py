"""The monitoring stack's configuration as data: Alertmanager routing, the Alloy log pipeline,
Grafana's data sources.

Alertmanager routes by severity within the environment and sends to Slack through a webhook
read from a mounted Secret file (never inline); symptom alerts are inhibited by their cause.
Alloy tails the application pods' JSON log lines (the fields ``avion_logging`` writes) into
Loki with ``service`` and ``level`` as labels and the trace id as structured metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from avion_workspace.config.model import Platform

MONITORING_NAMESPACE = "monitoring"
SLACK_SECRET = "alertmanager-slack"  # noqa: S105 - a Secret's name  # pragma: allowlist secret
SLACK_SECRET_KEY = "webhook-url"  # noqa: S105 - a key name  # pragma: allowlist secret
# kube-prometheus-stack mounts alertmanagerSpec.secrets here.
SLACK_WEBHOOK_FILE = f"/etc/alertmanager/secrets/{SLACK_SECRET}/{SLACK_SECRET_KEY}"
PROMETHEUS_DATASOURCE_UID = "prometheus"
LOKI_DATASOURCE_UID = "loki"
DATASOURCE_UIDS = {"prometheus": PROMETHEUS_DATASOURCE_UID, "loki": LOKI_DATASOURCE_UID}
DASHBOARD_LABEL = "grafana_dashboard"
LOKI_PUSH_URL = f"http://loki-gateway.{MONITORING_NAMESPACE}.svc/loki/api/v1/push"
# Fields avion_logging writes on every JSON line (libs/logging: shared_processors, context).
LOG_LEVEL_FIELD = "level"
LOG_SERVICE_FIELD = "service"
LOG_TRACE_FIELD = "trace_id"
LOG_REQUEST_FIELD = "request_id"
LOG_TIME_FIELD = "timestamp"

# Causes and the symptom alerts they make redundant (same environment).
INHIBITIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "AvionPostgresDown",
        ("AvionServiceErrorRate", "AvionServiceLatencyP99", "AvionServiceDependencyDown"),
        ("environment",),
    ),
    ("AvionRedisDown", ("AvionServiceDependencyDown",), ("environment",)),
    ("AvionSearchDown", ("AvionServiceDependencyDown",), ("environment",)),
    (
        "AvionServiceDown",
        ("AvionServiceErrorRate", "AvionServiceLatencyP99", "AvionServiceDependencyDown"),
        ("environment", "service"),
    ),
)


def _alternatives(names: Sequence[str]) -> str:
    return "|".join(names)


def alertmanager_config(platform: Platform) -> dict[str, Any]:
    """Alertmanager's configuration for ``platform``'s environment."""
    env = platform.environment.name
    production = env == "production"
    default, *_ = platform.monitoring.alert_receivers
    critical = f"{default}-critical"

    def slack(channel: str) -> dict[str, Any]:
        return {
            "api_url_file": SLACK_WEBHOOK_FILE,
            "channel": channel,
            "send_resolved": True,
            "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.environment }})",
            "text": "{{ range .Alerts }}{{ .Annotations.summary }}\n"
            "{{ .Annotations.runbook_url }}\n{{ end }}",
        }

    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": default,
            "group_by": ["alertname", "environment", "service"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": [
                # kube-prometheus-stack's always-firing heartbeat and inhibitor: nobody's page.
                {"matchers": ['alertname=~"Watchdog|InfoInhibitor"'], "receiver": "null"},
                {
                    "matchers": [f'environment="{env}"', 'severity="critical"'],
                    "receiver": critical,
                    "group_wait": "10s",
                    "repeat_interval": "1h" if production else "4h",
                },
                {
                    "matchers": [f'environment="{env}"', 'severity="warning"'],
                    "receiver": default,
                    "repeat_interval": "12h" if production else "24h",
                },
            ],
        },
        "inhibit_rules": [
            *(
                {
                    "source_matchers": [f'alertname="{cause}"'],
                    "target_matchers": [f'alertname=~"{_alternatives(symptoms)}"'],
                    "equal": list(equal),
                }
                for cause, symptoms, equal in INHIBITIONS
            ),
            # A critical alert silences the warning of the same name for the same target.
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname", "environment", "service"],
            },
        ],
        "receivers": [
            {"name": "null"},
            {"name": default, "slack_configs": [slack(f"#avion-{env}-alerts")]},
            {"name": critical, "slack_configs": [slack(f"#avion-{env}-critical")]},
        ],
    }


# -- Grafana data sources -----------------------------------------------------------------------


def loki_datasource() -> dict[str, Any]:
    """Loki, with the trace id (structured metadata) linked to every log line of that trace."""
    return {
        "name": "Loki",
        "uid": LOKI_DATASOURCE_UID,
        "type": "loki",
        "url": f"http://loki-gateway.{MONITORING_NAMESPACE}.svc",
        "access": "proxy",
        "jsonData": {
            "derivedFields": [
                {
                    "name": "TraceID",
                    "matcherType": "label",
                    "matcherRegex": LOG_TRACE_FIELD,
                    "url": f'{{service=~".+"}} | {LOG_TRACE_FIELD}="${{__value.raw}}"',
                    "datasourceUid": LOKI_DATASOURCE_UID,
                    "urlDisplayLabel": "All log lines of this trace",
                }
            ]
        },
    }


# -- Alloy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One Alloy configuration block: ``name "label" { attributes... blocks... }``."""

    name: str
    label: str | None
    body: tuple[tuple[str, Any] | Block, ...]


@dataclass(frozen=True)
class Ref:
    """An Alloy expression (a reference to another component's export), written unquoted."""

    expression: str


def _alloy_value(value: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(value, Ref):
        return value.expression
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)  # Alloy strings take JSON's escapes
    if isinstance(value, Sequence):
        return "[" + ", ".join(_alloy_value(v, indent) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = "".join(
            f"{pad}  {key} = {_alloy_value(v, indent + 1)},\n" for key, v in value.items()
        )
        return "{\n" + inner + pad + "}"
    raise TypeError(f"no Alloy syntax for {type(value).__name__}")


def alloy_text(blocks: Sequence[Block], indent: int = 0) -> str:
    """Serialize blocks in Alloy's configuration syntax."""
    pad = "  " * indent
    out = []
    for block in blocks:
        head = f'{block.name} "{block.label}"' if block.label is not None else block.name
        lines = [f"{pad}{head} {{"]
        for item in block.body:
            if isinstance(item, Block):
                lines.append(alloy_text([item], indent + 1).rstrip("\n"))
            else:
                key, value = item
                lines.append(f"{pad}  {key} = {_alloy_value(value, indent + 1)}")
        lines.append(f"{pad}}}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def alloy_pipeline(platform: Platform) -> list[Block]:
    """Application pods' JSON lines → labels service and level, trace id as structured metadata."""
    ns = platform.environment.namespace

    def rule(**attrs: Any) -> Block:
        return Block("rule", None, tuple(attrs.items()))

    return [
        Block(
            "discovery.kubernetes",
            "pods",
            (("role", "pod"), Block("namespaces", None, (("names", [ns]),))),
        ),
        Block(
            "discovery.relabel",
            "avion",
            (
                ("targets", Ref("discovery.kubernetes.pods.targets")),
                rule(
                    source_labels=["__meta_kubernetes_pod_label_app_kubernetes_io_part_of"],
                    regex=platform.name,
                    action="keep",
                ),
                rule(
                    source_labels=["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                    target_label="service",
                ),
                rule(source_labels=["__meta_kubernetes_namespace"], target_label="namespace"),
                rule(source_labels=["__meta_kubernetes_pod_name"], target_label="pod"),
            ),
        ),
        Block(
            "loki.source.kubernetes",
            "avion",
            (
                ("targets", Ref("discovery.relabel.avion.output")),
                ("forward_to", [Ref("loki.process.avion.receiver")]),
            ),
        ),
        Block(
            "loki.process",
            "avion",
            (
                Block(
                    "stage.json",
                    None,
                    (
                        (
                            "expressions",
                            {
                                "level": LOG_LEVEL_FIELD,
                                "trace_id": LOG_TRACE_FIELD,
                                "request_id": LOG_REQUEST_FIELD,
                                "ts": LOG_TIME_FIELD,
                            },
                        ),
                    ),
                ),
                Block("stage.labels", None, (("values", {"level": ""}),)),
                Block(
                    "stage.structured_metadata",
                    None,
                    (("values", {"trace_id": "", "request_id": ""}),),
                ),
                Block("stage.timestamp", None, (("source", "ts"), ("format", "RFC3339Nano"))),
                ("forward_to", [Ref("loki.write.default.receiver")]),
            ),
        ),
        Block(
            "loki.write",
            "default",
            (
                Block("endpoint", None, (("url", LOKI_PUSH_URL),)),
                ("external_labels", {"environment": platform.environment.name}),
            ),
        ),
    ]


def alloy_values(platform: Platform) -> dict[str, Any]:
    """Values of the grafana/alloy chart: a DaemonSet running :func:`alloy_pipeline`."""
    return {
        "controller": {"type": "daemonset"},
        "alloy": {
            "configMap": {"create": True, "content": alloy_text(alloy_pipeline(platform))},
            "mounts": {"varlog": False},
            "clustering": {"enabled": False},
        },
        "serviceMonitor": {"enabled": True},
    }


__all__ = [
    "DATASOURCE_UIDS",
    "Block",
    "Ref",
    "alertmanager_config",
    "alloy_pipeline",
    "alloy_text",
    "alloy_values",
    "loki_datasource",
]
