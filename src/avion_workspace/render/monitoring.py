"""Monitoring artifacts: rule files with their promtool tests, runbooks, dashboards.

``infrastructure/monitoring/<env>/rules/*.rules.yaml`` hold the same rules as the charts'
PrometheusRules (the local Prometheus loads them); ``.../tests/*.test.yaml`` are their
``promtool test rules`` files. The runbooks under docs/runbooks/ have one section per alert,
which each rule's ``runbook_url`` points to. Dashboards land in the avion-observability chart.
"""

from __future__ import annotations

from collections.abc import Iterable

from avion_workspace.render import jsonout
from avion_workspace.render.alerts import (
    MONITORING_DIR,
    PLATFORM_RUNBOOK,
    RUNBOOKS,
    SERVICE_RUNBOOK,
    rule_groups,
    rule_test,
)
from avion_workspace.render.dashboards import dashboards
from avion_workspace.render.infrastructure import INFRA_DIR, OBSERVABILITY_CHART, yaml_file
from avion_workspace.render.plan import GeneratedFile, RenderContext, stamp

RUNBOOKS_DIR = "docs/runbooks"
ALERTS_SOURCE = "src/avion_workspace/render/alerts.py"
DASHBOARDS_SOURCE = "src/avion_workspace/render/dashboards.py"


def rule_file_path(env: str, group: str) -> str:
    return f"{MONITORING_DIR}/{env}/rules/{group}.rules.yaml"


def rule_test_path(env: str, group: str) -> str:
    return f"{MONITORING_DIR}/{env}/tests/{group}.test.yaml"


def alert_runbooks(context: RenderContext) -> dict[str, str]:
    """Every alert name rendered in any environment → its runbook file."""
    names: dict[str, str] = {}
    for platform in context.platforms.values():
        for group in rule_groups(platform):
            for alert in group.alerts:
                names[alert.name] = alert.runbook
    return names


def runbook_files(context: RenderContext) -> Iterable[GeneratedFile]:
    names = alert_runbooks(context)
    intros = {
        SERVICE_RUNBOOK: (
            "Service alerts",
            "Alerts every service chart carries (its PrometheusRule, generated from config). "
            "The `service` label names the service, `environment` the environment.",
        ),
        PLATFORM_RUNBOOK: (
            "Platform alerts",
            "Alerts on the data stores, backups, volumes and search (the avion-observability "
            "chart's PrometheusRule).",
        ),
    }
    for file, (title, intro) in intros.items():
        lines = [f"# {title}", "", intro, ""]
        for name in sorted(n for n, f in names.items() if f == file):
            book = RUNBOOKS[name]
            lines += [f"## {name}", "", f"**{book.title}.** {book.meaning}", "", "First steps:", ""]
            lines += [f"1. {step}" for step in book.actions]
            lines.append("")
        path = f"{RUNBOOKS_DIR}/{file}"
        yield GeneratedFile(path, stamp(path, "\n".join(lines), ALERTS_SOURCE), ALERTS_SOURCE)


def monitoring(context: RenderContext) -> Iterable[GeneratedFile]:
    """Rule files and promtool tests per environment, runbooks, dashboards."""
    for env, platform in context.platforms.items():
        for group in rule_groups(platform):
            yield yaml_file(rule_file_path(env, group.name), group.document(), ALERTS_SOURCE)
            yield yaml_file(
                rule_test_path(env, group.name),
                rule_test(group, f"../rules/{group.name}.rules.yaml"),
                ALERTS_SOURCE,
            )
    yield from runbook_files(context)
    chart = f"{INFRA_DIR}/charts/{OBSERVABILITY_CHART}/dashboards"
    for name, board in dashboards(context.local).items():
        # JSON has no comments: the dashboards carry no generated-file header.
        yield GeneratedFile(
            f"{chart}/{name}.json",
            (jsonout.dumps(board, sort_keys=True) + "\n").encode("utf-8"),
            DASHBOARDS_SOURCE,
        )
