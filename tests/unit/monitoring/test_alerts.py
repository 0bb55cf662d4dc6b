"""Alert rules, rule tests, runbooks and Alertmanager routing computed from config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.alerts import (
    cpu_cores,
    memory_bytes,
    platform_alerts,
    rule_groups,
    rule_test,
    runbook_base,
    service_alerts,
    service_rule_values,
)
from avion_workspace.render.monitoring import monitoring
from avion_workspace.render.observability import (
    SLACK_WEBHOOK_FILE,
    alertmanager_config,
)
from avion_workspace.render.plan import RenderContext


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


def test_every_service_has_the_five_kinds_of_alert(platforms: dict[str, Platform]) -> None:
    platform = platforms["production"]
    for service in platform.services.values():
        names = {a.name for a in service_alerts(platform, service)}
        assert {
            "AvionServiceDown",
            "AvionServiceErrorRate",
            "AvionServiceLatencyP99",
            "AvionServiceRestarting",
            "AvionServiceCpuSaturated",
            "AvionServiceMemorySaturated",
        } <= names
        for alert in service_alerts(platform, service):
            assert f'service="{service.name}"' in alert.expr
            assert alert.labels["service"] == service.name


def test_saturation_thresholds_follow_the_environments_limits(
    platforms: dict[str, Platform],
) -> None:
    # The fixture's production overlay gives beta 2 CPUs and 2Gi of memory.
    beta = platforms["production"].services["beta"]
    alerts = {a.name: a for a in service_alerts(platforms["production"], beta)}
    assert alerts["AvionServiceCpuSaturated"].expr.endswith("/ 2 > 0.9")
    assert f"/ {2 * 2**30} > 0.9" in alerts["AvionServiceMemorySaturated"].expr


def test_quantities() -> None:
    assert cpu_cores("500m") == 0.5
    assert cpu_cores("2") == 2.0
    assert memory_bytes("512Mi") == 512 * 2**20
    assert memory_bytes("1Gi") == 2**30
    with pytest.raises(ValueError, match="not a memory quantity"):
        memory_bytes("lots")


def test_platform_rules_cover_database_redis_storage_search_and_backups(
    platforms: dict[str, Platform],
) -> None:
    components = {a.labels["component"] for a in platform_alerts(platforms["production"])}
    assert components == {"postgres", "redis", "storage", "search", "backup"}
    names = {a.name for a in platform_alerts(platforms["production"])}
    assert {"AvionBackupFailed", "AvionBackupMissing", "AvionPostgresDown"} <= names
    # A single Redis has no replicas to miss.
    assert "AvionRedisReplicasMissing" not in {a.name for a in platform_alerts(platforms["local"])}
    assert "AvionRedisReplicasMissing" in names


def test_every_alert_has_a_firing_and_a_silent_promtool_case(
    platforms: dict[str, Platform],
) -> None:
    for platform in platforms.values():
        for group in rule_groups(platform):
            document = rule_test(group, f"../rules/{group.name}.rules.yaml")
            by_alert: dict[str, list[bool]] = {}
            for test in document["tests"]:
                (check,) = test["alert_rule_test"]
                by_alert.setdefault(check["alertname"], []).append(bool(check["exp_alerts"]))
            assert by_alert == {a.name: [True, False] for a in group.alerts}


def test_every_runbook_url_points_to_a_section_of_a_rendered_runbook(
    platforms: dict[str, Platform],
) -> None:
    files = {f.path: f.content.decode() for f in monitoring(RenderContext(platforms))}
    for platform in platforms.values():
        for group in rule_groups(platform):
            for alert in group.alerts:
                page, _, anchor = alert.runbook_url.rpartition("/")[2].partition("#")
                text = files[f"docs/runbooks/{page}"]
                headings = {
                    line[3:].strip().lower() for line in text.splitlines() if line.startswith("## ")
                }
                assert anchor in headings, alert.name


def test_chart_values_carry_the_services_rules(platforms: dict[str, Platform]) -> None:
    platform = platforms["staging"]
    values = service_rule_values(platform, platform.services["alpha"])
    assert values["enabled"] is True
    assert values["labels"] == {"release": "kube-prometheus-stack"}
    down = next(r for r in values["rules"] if r["alert"] == "AvionServiceDown")
    assert down == {
        "alert": "AvionServiceDown",
        "expr": 'up{service="alpha"} == 0',
        "for": "2m",
        "labels": {"severity": "critical", "service": "alpha"},
        "annotations": {
            "summary": "alpha is down",
            "description": "Prometheus has not scraped alpha for 2 minutes.",
            "runbook_url": "https://github.com/avion-platform/avion/blob/main/docs/runbooks/"
            "service-alerts.md#avionservicedown",
        },
    }


def test_alertmanager_routes_by_severity_within_the_environment(
    platforms: dict[str, Platform],
) -> None:
    config = alertmanager_config(platforms["production"])
    routes = config["route"]["routes"]
    critical = next(r for r in routes if 'severity="critical"' in r["matchers"])
    assert 'environment="production"' in critical["matchers"]
    assert critical["receiver"] == "platform-oncall-critical"
    assert critical["repeat_interval"] == "1h"
    staging = alertmanager_config(platforms["staging"])["route"]["routes"]
    assert (
        next(r for r in staging if 'severity="critical"' in r["matchers"])["repeat_interval"]
        == "4h"
    )


def test_the_slack_webhook_is_a_secret_file_never_inline(platforms: dict[str, Platform]) -> None:
    for platform in platforms.values():
        for receiver in alertmanager_config(platform)["receivers"]:
            for slack in receiver.get("slack_configs", []):
                assert slack["api_url_file"] == SLACK_WEBHOOK_FILE
                assert "api_url" not in slack


def test_a_database_outage_inhibits_the_services_error_rate_alerts(
    platforms: dict[str, Platform],
) -> None:
    rules = alertmanager_config(platforms["production"])["inhibit_rules"]
    database = next(r for r in rules if r["source_matchers"] == ['alertname="AvionPostgresDown"'])
    assert "AvionServiceErrorRate" in database["target_matchers"][0]
    assert database["equal"] == ["environment"]


def test_every_alert_links_to_the_runbooks_of_its_own_platform(
    platforms: dict[str, Platform],
) -> None:
    # The runbook base is bound once per platform: a platform with another registry owner and
    # name links elsewhere, for the same service object (the alert cache is per platform).
    platform = platforms["production"]
    other = replace(platform, name="other", ci=replace(platform.ci, registry="ghcr.io/someone"))
    assert runbook_base(other) == "https://github.com/someone/other/blob/main/docs/runbooks"
    for target in (platform, other, platform):
        base = runbook_base(target) + "/"
        alerts = list(platform_alerts(target))
        for service in platform.services.values():
            alerts.extend(service_alerts(target, service))
        assert alerts
        for alert in alerts:
            assert alert.runbook_url.startswith(base), (alert.name, alert.runbook_url)
            assert alert.runbook_url.endswith(f"#{alert.name.lower()}")
