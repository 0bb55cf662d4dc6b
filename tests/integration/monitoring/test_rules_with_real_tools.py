"""The rendered alerting through promtool and amtool, as ``inv monitoring.check`` runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.deploy.monitoring_check import check_monitoring
from avion_workspace.render.alerts import rule_groups
from tests.support import ROOT, require_tool

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platforms() -> dict[str, Platform]:
    require_tool("promtool")
    require_tool("amtool")
    return load_platforms(ROOT / "config")


def test_every_rule_group_rule_test_and_alertmanager_config_passes(
    platforms: dict[str, Platform],
) -> None:
    report = check_monitoring(ROOT, platforms)
    assert [p.render() for p in report.problems] == []
    groups = sum(len(rule_groups(p)) for p in platforms.values())
    checked = "\n".join(report.checked)
    # Each group twice (rule file, chart values), each test file once, one config per env.
    assert checked.count("promtool check rules") == 2 * groups
    assert checked.count("promtool test rules") == groups
    assert checked.count("amtool check-config") == len(platforms)


def test_a_wrong_expectation_and_a_bad_config_are_reported(
    platforms: dict[str, Platform], tmp_path: Path
) -> None:
    for top in ("infrastructure", "charts"):
        shutil.copytree(ROOT / top, tmp_path / top)
    (tmp_path / ".tools").symlink_to(ROOT / ".tools")
    test_file = tmp_path / "infrastructure/monitoring/local/tests/avion-auth.test.yaml"
    text = test_file.read_text(encoding="utf-8")
    # The silent case of AvionServiceDown now expects the alert: promtool must disagree.
    test_file.write_text(
        text.replace("exp_alerts: []", "exp_alerts:\n    - exp_labels: {severity: critical}", 1),
        encoding="utf-8",
    )
    values = tmp_path / "infrastructure/kubernetes/values/staging/kube-prometheus-stack.yaml"
    values.write_text(
        values.read_text(encoding="utf-8").replace(
            "receiver: platform-oncall-critical", "receiver: nobody", 1
        ),
        encoding="utf-8",
    )
    report = check_monitoring(tmp_path, platforms)
    messages = [p.message for p in report.problems]
    assert len(messages) == 2, messages
    assert messages[0].startswith(
        "infrastructure/kubernetes/values/staging/kube-prometheus-stack.yaml: amtool check-config"
    )
    assert "nobody" in messages[0]
    assert messages[1].startswith(
        "infrastructure/monitoring/local/tests/avion-auth.test.yaml: promtool test rules"
    )


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (
            ("severity=critical", "environment=production", "alertname=AvionPostgresDown"),
            "platform-oncall-critical",
        ),
        (
            ("severity=warning", "environment=production", "alertname=AvionServiceLatencyP99"),
            "platform-oncall",
        ),
        (("alertname=Watchdog", "severity=none"), "null"),
    ],
)
def test_amtool_routes_alerts_by_severity_and_environment(
    platforms: dict[str, Platform], tmp_path: Path, labels: tuple[str, ...], receiver: str
) -> None:
    from avion_workspace.deploy.monitoring_check import alertmanager_configs
    from avion_workspace.process import run_command

    configs = dict(alertmanager_configs(ROOT, platforms))
    config = tmp_path / "alertmanager.yaml"
    config.write_text(
        yaml.safe_dump(
            configs["infrastructure/kubernetes/values/production/kube-prometheus-stack.yaml"]
        ),
        encoding="utf-8",
    )
    amtool = str(require_tool("amtool"))
    done = run_command([amtool, "config", "routes", "test", f"--config.file={config}", *labels])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == receiver
