"""``inv monitoring.check``: the rendered alerting and dashboards through the real tools.

1. ``promtool check rules`` on every rendered rule group: the plain rule files under
   ``infrastructure/monitoring/<env>/rules`` and the groups inside every chart's values (each
   service chart's ``prometheusRule``, the avion-observability chart's ``platformRules``);
2. ``promtool test rules`` on every test file (each alert fires in one case, stays silent in
   another);
3. ``amtool check-config`` on each environment's Alertmanager configuration;
4. every dashboard panel's metric is exported by a known source, every data source resolves.
All problems are collected; one failure never hides the others.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, Problem
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.render.alerts import MONITORING_DIR
from avion_workspace.render.charts import CHARTS_DIR
from avion_workspace.render.dashboards import dashboard_problems
from avion_workspace.render.infrastructure import INFRA_DIR, OBSERVABILITY_CHART
from avion_workspace.tools import require_tool


class MonitoringCheckFailed(AvionError):
    """A rule, rule test, Alertmanager configuration or dashboard failed its check."""


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def chart_rule_groups(
    root: Path, platforms: Mapping[str, Platform]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, rule file document) of every group the charts' values carry, per environment."""
    for env, platform in platforms.items():
        for name in platform.services:
            values = root / CHARTS_DIR / name / f"values-{env}.yaml"
            rule = (_load(values) or {}).get("prometheusRule") or {}
            if rule.get("enabled") and rule.get("rules"):
                group = {
                    "name": f"avion-{name}",
                    "interval": rule["interval"],
                    "rules": rule["rules"],
                }
                yield f"charts/{name}/values-{env}.yaml", {"groups": [group]}
        values = root / INFRA_DIR / "values" / env / f"{OBSERVABILITY_CHART}.yaml"
        platform_rules = (_load(values) or {}).get("platformRules")
        if platform_rules:
            yield (
                f"{INFRA_DIR}/values/{env}/{OBSERVABILITY_CHART}.yaml",
                {"groups": [platform_rules]},
            )


def alertmanager_configs(
    root: Path, platforms: Mapping[str, Platform]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for env in platforms:
        path = f"{INFRA_DIR}/values/{env}/kube-prometheus-stack.yaml"
        config = ((_load(root / path) or {}).get("alertmanager") or {}).get("config")
        if config is None:
            yield path, {}
        else:
            yield path, config


def provisioned_datasources(values: Mapping[str, Any]) -> dict[str, str]:
    """Data source type → uid that Grafana gets from kube-prometheus-stack's values."""
    grafana = values.get("grafana") or {}
    found = {}
    uid = ((grafana.get("sidecar") or {}).get("datasources") or {}).get("uid")
    if uid:
        found["prometheus"] = str(uid)
    for source in grafana.get("additionalDataSources") or []:
        found[str(source.get("type"))] = str(source.get("uid"))
    return found


def _output(done: Any) -> str:
    return (str(done.stdout) + str(done.stderr)).strip()


def check_monitoring(
    root: Path, platforms: Mapping[str, Platform], *, runner: CommandRunner = run_command
) -> CheckReport:
    root = root.resolve()
    promtool = str(require_tool(root, "promtool"))
    amtool = str(require_tool(root, "amtool"))
    report = CheckReport()
    monitoring = root / MONITORING_DIR
    rule_files = sorted(monitoring.glob("*/rules/*.rules.yaml"))
    test_files = sorted(monitoring.glob("*/tests/*.test.yaml"))
    if not rule_files or not test_files:
        report.problems.append(
            Problem(f"no rule files or rule tests under {MONITORING_DIR}", hint="run `inv render`")
        )
    for path in rule_files:
        done = runner([promtool, "check", "rules", str(path)])
        label = str(path.relative_to(root))
        if done.returncode != 0:
            report.problems.append(Problem(f"{label}: promtool check rules:\n{_output(done)}"))
        report.checked.append(f"promtool check rules {label}")
    with tempfile.TemporaryDirectory(prefix="avion-rules-") as tmp:
        for index, (label, document) in enumerate(chart_rule_groups(root, platforms)):
            path = Path(tmp) / f"group-{index}.yaml"
            path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
            done = runner([promtool, "check", "rules", str(path)])
            if done.returncode != 0:
                report.problems.append(Problem(f"{label}: promtool check rules:\n{_output(done)}"))
            report.checked.append(f"promtool check rules {label}")
        for index, (label, config) in enumerate(alertmanager_configs(root, platforms)):
            if not config:
                report.problems.append(Problem(f"{label}: no alertmanager.config"))
                continue
            path = Path(tmp) / f"alertmanager-{index}.yaml"
            path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
            done = runner([amtool, "check-config", str(path)])
            if done.returncode != 0:
                report.problems.append(Problem(f"{label}: amtool check-config:\n{_output(done)}"))
            report.checked.append(f"amtool check-config {label}")
    for path in test_files:
        # promtool resolves rule_files relative to the test file's folder.
        done = runner([promtool, "test", "rules", path.name], cwd=path.parent)
        label = str(path.relative_to(root))
        if done.returncode != 0:
            report.problems.append(Problem(f"{label}: promtool test rules:\n{_output(done)}"))
        report.checked.append(f"promtool test rules {label}")
    boards_dir = root / INFRA_DIR / "charts" / OBSERVABILITY_CHART / "dashboards"
    boards = {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(boards_dir.glob("*.json"))
    }
    if not boards:
        report.problems.append(Problem(f"no dashboards under {boards_dir.relative_to(root)}"))
    for env in platforms:
        values = _load(root / INFRA_DIR / "values" / env / "kube-prometheus-stack.yaml") or {}
        for message in dashboard_problems(boards, datasources=provisioned_datasources(values)):
            report.problems.append(Problem(f"dashboard ({env}) {message}"))
        report.checked.append(
            f"dashboards ({env}): {len(boards)} checked (metrics exist, data sources resolve)"
        )
    return report


def raise_for(report: CheckReport) -> None:
    if report.problems:
        raise MonitoringCheckFailed(
            f"monitoring checks failed: {len(report.problems)} problem(s)",
            problems=report.problems,
            hint="fix src/avion_workspace/render/alerts.py (or dashboards.py), run `inv render`, "
            "then `inv monitoring.check` again",
        )
