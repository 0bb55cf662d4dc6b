"""The local Prometheus's configuration: the services' targets, labels and the local rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.infra.errors import InfraError
from avion_workspace.infra.monitoring import (
    ScrapeTarget,
    local_rule_files,
    prometheus_config,
    service_targets,
    stop_local_monitoring,
)

ROOT = Path(__file__).resolve().parents[3]


def test_every_service_is_scraped_where_inv_run_serves_it(fixture_config: Path) -> None:
    platform = load_platform(fixture_config, "local")
    targets = service_targets(platform)
    assert [t.service for t in targets] == list(platform.services)
    alpha = next(t for t in targets if t.service == "alpha")
    assert alpha == ScrapeTarget("alpha", 8201)  # the fixture's local_ports.http for alpha


def test_config_labels_each_target_with_its_service_and_loads_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "a.rules.yaml"
    config = prometheus_config(
        [ScrapeTarget("auth", 8101)], [rules], environment="local", scrape_interval="30s"
    )
    assert config["global"] == {
        "scrape_interval": "30s",
        "evaluation_interval": "30s",
        "external_labels": {"environment": "local"},
    }
    assert config["rule_files"] == [str(rules)]
    assert config["scrape_configs"] == [
        {
            "job_name": "auth",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": ["127.0.0.1:8101"], "labels": {"service": "auth"}}],
        }
    ]


def test_the_local_rules_are_the_rendered_ones() -> None:
    # Reads the committed rule files, so it names the services of the real config/.
    files = local_rule_files(ROOT)
    rules = ROOT / "infrastructure/monitoring/local/rules"
    for name in load_platform(ROOT / "config", "local").services:
        assert rules / f"avion-{name}.rules.yaml" in files
    assert rules / "avion-platform.rules.yaml" in files


def test_missing_rule_files_say_to_render(tmp_path: Path) -> None:
    with pytest.raises(InfraError) as caught:
        local_rule_files(tmp_path)
    assert caught.value.hint == "run `inv render`"


def test_stopping_when_nothing_runs_is_a_no_op(tmp_path: Path) -> None:
    assert stop_local_monitoring(tmp_path) is False


def test_reset_deletes_the_local_prometheus_data(tmp_path: Path) -> None:
    from avion_workspace.infra.monitoring import reset_local_monitoring
    from avion_workspace.infra.stack import state_dir

    assert reset_local_monitoring(tmp_path) is False
    data = state_dir(tmp_path) / "prometheus" / "data"
    data.mkdir(parents=True)
    assert reset_local_monitoring(tmp_path) is True
    assert not data.parent.exists()
