"""Dashboards (grafana-foundation-sdk), their checks, and the Alloy log pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.dashboards import dashboard_problems, dashboards, expression_metrics
from avion_workspace.render.observability import (
    LOKI_DATASOURCE_UID,
    Block,
    Ref,
    alloy_pipeline,
    alloy_text,
    loki_datasource,
)


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


def test_one_dashboard_per_service_and_the_platform_ones(platforms: dict[str, Platform]) -> None:
    boards = dashboards(platforms["local"])
    services = {f"service-{name}" for name in platforms["local"].services}
    assert set(boards) == services | {"datastores", "ingress", "backups"}
    titles = [p["title"] for p in boards["service-alpha"]["panels"]]
    assert titles == [
        "Requests per second by method",
        "Server errors (share of calls)",
        "Latency",
        "CPU (cores) and memory (share of limit)",
        "Dependencies up",
        "Instances up",
        "Logs",
    ]
    logs = boards["service-alpha"]["panels"][-1]
    assert logs["type"] == "logs"
    assert logs["targets"][0]["expr"] == '{service="alpha"}'


def test_every_rendered_panel_uses_known_metrics_and_provisioned_data_sources(
    platforms: dict[str, Platform],
) -> None:
    assert dashboard_problems(dashboards(platforms["production"])) == []


def test_an_unknown_metric_or_data_source_is_reported() -> None:
    board = {
        "panels": [
            {
                "title": "Bad",
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [
                    {
                        "expr": "rate(made_up_total{}[5m])",
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                    }
                ],
            },
            {
                "title": "Elsewhere",
                "datasource": {"type": "loki", "uid": "other"},
                "targets": [{"expr": '{a="b"}', "datasource": {"type": "loki", "uid": "other"}}],
            },
        ]
    }
    assert dashboard_problems({"x": board}) == [
        "x: Bad: metric made_up_total is exported by no known source",
        "x: Elsewhere: data source {'type': 'loki', 'uid': 'other'} is not provisioned",
        "x: Elsewhere: data source {'type': 'loki', 'uid': 'other'} is not provisioned",
    ]


def test_metric_names_are_read_from_selectors() -> None:
    expr = 'sum by (le) (rate(a_bucket{service="x"}[5m])) / on (pod) max by (pod) (b{})'
    assert expression_metrics(expr) == {"a_bucket", "b"}


def test_loki_links_a_trace_id_to_the_traces_log_lines() -> None:
    (field,) = loki_datasource()["jsonData"]["derivedFields"]
    assert field["matcherType"] == "label"
    assert field["matcherRegex"] == "trace_id"
    assert field["datasourceUid"] == LOKI_DATASOURCE_UID
    assert '| trace_id="${__value.raw}"' in field["url"]


def test_alloy_syntax_serializer() -> None:
    text = alloy_text(
        [
            Block(
                "a.b",
                "x",
                (("s", 'q"'), ("l", [Ref("c.d"), 1]), Block("inner", None, (("m", {"k": True}),))),
            )
        ]
    )
    assert text == (
        'a.b "x" {\n'
        '  s = "q\\""\n'
        "  l = [c.d, 1]\n"
        "  inner {\n"
        "    m = {\n"
        "      k = true,\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def test_alloy_labels_service_and_level_and_keeps_the_trace_id_as_metadata(
    platforms: dict[str, Platform],
) -> None:
    text = alloy_text(alloy_pipeline(platforms["production"]))
    assert 'target_label = "service"' in text
    assert 'stage.labels {\n    values = {\n      level = "",\n    }' in text
    assert 'stage.structured_metadata {\n    values = {\n      trace_id = "",' in text
    assert 'trace_id = "trace_id"' in text  # the field avion_logging writes
    assert 'url = "http://loki-gateway.monitoring.svc/loki/api/v1/push"' in text
    assert "promtail" not in text.lower()


def test_dashboards_resolve_against_the_data_sources_grafana_is_given(
    platforms: dict[str, Platform],
) -> None:
    from avion_workspace.deploy.monitoring_check import provisioned_datasources
    from avion_workspace.render.infrastructure import monitoring_values

    for platform in platforms.values():
        provisioned = provisioned_datasources(monitoring_values(platform))
        assert provisioned == {"prometheus": "prometheus", "loki": "loki"}
        assert dashboard_problems(dashboards(platform), datasources=provisioned) == []
    assert dashboard_problems(
        dashboards(platforms["local"]), datasources={"prometheus": "prometheus"}
    )
