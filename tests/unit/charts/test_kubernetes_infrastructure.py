"""infrastructure/kubernetes/ rendered from config: kind, the cluster chart's values, releases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.infrastructure import (
    UPSTREAM,
    backup_job,
    cluster_values,
    helmfile,
    infrastructure,
    infrastructure_releases,
    kind_config,
    postgres_values,
    redis_values,
)
from avion_workspace.render.plan import RenderContext

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platforms() -> dict[str, Platform]:
    return load_platforms(ROOT / "config")


def test_kind_maps_ingress_ports_to_the_ingress_ready_node(platforms: dict[str, Platform]) -> None:
    config = kind_config(platforms["local"])
    ingress_node = config["nodes"][0]
    assert ingress_node["labels"] == {"ingress-ready": "true"}
    assert [(m["containerPort"], m["hostPort"]) for m in ingress_node["extraPortMappings"]] == [
        (80, 80),
        (443, 443),
    ]


def test_every_upstream_chart_is_pinned_to_an_exact_version() -> None:
    for chart in UPSTREAM.values():
        assert chart.version.count(".") == 2
        assert all(part.isdigit() for part in chart.version.split("."))


def test_namespaces_are_restricted_where_the_services_run(platforms: dict[str, Platform]) -> None:
    values = cluster_values(platforms["production"])
    levels = {n["name"]: n["podSecurity"] for n in values["namespaces"]}
    assert levels["avion"] == "restricted"
    assert values["storageClass"]["volumeBindingMode"] == "WaitForFirstConsumer"


def test_backups_go_to_the_backups_bucket_and_cover_every_database(
    platforms: dict[str, Platform],
) -> None:
    for name in ("staging", "production"):
        job = backup_job(platforms[name])
        assert job["bucket"] == "avion-backups"
        assert job["databases"] == sorted(platforms[name].postgres.databases)
        assert job["retentionDays"] == 30
    assert backup_job(platforms["staging"])["endpoint"] == "http://versitygw:7070"
    assert backup_job(platforms["production"])["endpoint"].startswith(
        "https://s3.eu-west-1.amazonaws.com"
    )


def test_postgres_ha_creates_one_database_per_service(platforms: dict[str, Platform]) -> None:
    values = postgres_values(platforms["production"])
    sql = values["postgresql"]["initdbScripts"]["00-avion-databases.sql"]
    assert "CREATE DATABASE avion_auth_db OWNER avion_auth;" in sql
    assert values["postgresql"]["replicaCount"] == 3
    assert values["pgpool"]["replicaCount"] == 2


def test_redis_runs_sentinel_with_persistence(platforms: dict[str, Platform]) -> None:
    values = redis_values(platforms["production"])
    assert values["sentinel"]["enabled"] is True
    assert values["sentinel"]["quorum"] == 2
    assert values["replica"]["persistence"]["enabled"] is True
    assert "appendonly yes" in values["commonConfiguration"]


def test_release_order_and_helmfile_agree(platforms: dict[str, Platform]) -> None:
    _, doc = helmfile(platforms)
    names = [r["name"] for r in doc["releases"]]
    assert names == [r.name for r in infrastructure_releases(platforms["staging"])]
    s3 = next(r for r in doc["releases"] if r["name"] == "versitygw")
    assert s3["installed"] == '{{ has .Environment.Name (list "local" "staging") }}'
    pg = next(r for r in doc["releases"] if r["name"] == "postgresql-ha")
    assert pg["version"] == UPSTREAM["postgresql-ha"].version


def test_rendered_infrastructure_files_are_yaml(platforms: dict[str, Platform]) -> None:
    files = {f.path: f for f in infrastructure(RenderContext(platforms))}
    for env in platforms:
        for release in infrastructure_releases(platforms[env]):
            assert release.values_file in files
    for path, generated in files.items():
        if path.endswith((".yaml", ".gotmpl")) and "/templates/" not in path:
            assert list(yaml.safe_load_all(generated.content)) is not None, path
