"""infrastructure/kubernetes/ rendered from config: kind, the cluster chart's values, releases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.infrastructure import (
    PG_POOLER_RO,
    PG_POOLER_RW,
    UPSTREAM,
    cluster_values,
    datastore_endpoints,
    helmfile,
    infrastructure,
    infrastructure_releases,
    kind_config,
    postgres_cluster_values,
    redis_values,
)
from avion_workspace.render.plan import RenderContext

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


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


def test_backups_and_wal_go_to_the_backups_bucket(platforms: dict[str, Platform]) -> None:
    for name in ("staging", "production"):
        backup = postgres_cluster_values(platforms[name])["backup"]
        assert backup["destinationPath"] == f"s3://avion-backups/postgres/{name}"
        assert backup["retentionPolicy"] == "30d"
        assert backup["schedule"] == "0 17 2 * * *"  # CloudNativePG cron: seconds first
    assert "endpointURL" not in postgres_cluster_values(platforms["production"])["backup"]


def test_postgres_is_a_cloudnativepg_cluster_with_a_database_per_service(
    platforms: dict[str, Platform],
) -> None:
    production = postgres_cluster_values(platforms["production"])
    assert production["instances"] == 3
    assert production["affinity"] == {
        "enablePodAntiAffinity": True,
        "podAntiAffinityType": "required",
        "topologyKey": "topology.kubernetes.io/zone",
    }
    assert {"name": "avion_alpha_db", "owner": "avion_alpha"} in production["databases"]
    assert len(production["databases"]) == len(platforms["production"].postgres.databases)
    assert {r["name"] for r in production["roles"]} == {
        db.owner for db in platforms["production"].postgres.databases.values()
    }
    assert [(p["name"], p["type"]) for p in production["poolers"]] == [
        (PG_POOLER_RW, "rw"),
        (PG_POOLER_RO, "ro"),
    ]
    assert postgres_cluster_values(platforms["local"])["instances"] == 1


def test_services_reach_postgres_through_the_pooler(platforms: dict[str, Platform]) -> None:
    endpoint = datastore_endpoints(platforms["production"])["postgres"]
    assert endpoint.host == PG_POOLER_RW
    assert endpoint.pod_labels == {"cnpg.io/poolerName": PG_POOLER_RW}


def test_redis_runs_sentinel_with_persistence_and_acl_users(
    platforms: dict[str, Platform],
) -> None:
    values = redis_values(platforms["production"])
    assert values["replicas"] == 3
    assert values["sentinel"]["quorum"] == 2
    assert values["persistentVolume"]["enabled"] is True
    assert values["redis"]["config"]["appendonly"] == "yes"
    assert values["redis"]["config"]["aclfile"] == "/etc/redis-acl/users.acl"
    assert values["image"]["tag"] == f"{platforms['production'].redis.version}-alpine"


def test_release_order_and_helmfile_agree(platforms: dict[str, Platform]) -> None:
    _, doc = helmfile(platforms)
    names = [r["name"] for r in doc["releases"]]
    assert names == [r.name for r in infrastructure_releases(platforms["staging"])]
    s3 = next(r for r in doc["releases"] if r["name"] == "versitygw")
    assert s3["installed"] == '{{ has .Environment.Name (list "local" "staging") }}'
    operator = next(r for r in doc["releases"] if r["name"] == "cloudnative-pg")
    assert operator["version"] == UPSTREAM["cloudnative-pg"].version
    datastores = next(r for r in doc["releases"] if r["name"] == "avion-datastores")
    assert datastores["chart"] == "./charts/avion-datastores"
    assert datastores["needs"] == ["cloudnative-pg"]


def test_no_release_uses_bitnami_or_promtail(platforms: dict[str, Platform]) -> None:
    for platform in platforms.values():
        for release in infrastructure_releases(platform):
            text = yaml.safe_dump(dict(release.values)) + repr(release.chart)
            assert "bitnami" not in text.lower(), release.name
            assert "promtail" not in text.lower(), release.name


def test_rendered_infrastructure_files_are_yaml(platforms: dict[str, Platform]) -> None:
    files = {f.path: f for f in infrastructure(RenderContext(platforms))}
    for env in platforms:
        for release in infrastructure_releases(platforms[env]):
            assert release.values_file in files
    for path, generated in files.items():
        if path.endswith((".yaml", ".gotmpl")) and "/templates/" not in path:
            assert list(yaml.safe_load_all(generated.content)) is not None, path


def test_no_rendered_chart_value_or_image_refers_to_bitnami_or_promtail() -> None:
    """Bitnami's free images are frozen and Promtail is end-of-life: neither may come back."""
    offenders = []
    for top in ("infrastructure", "charts"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace").lower()
                offenders += [f"{path.relative_to(ROOT)}: {w}" for w in ("bitnami", "promtail") if w in text]
    assert offenders == []


def test_redis_acl_users_are_the_local_stacks(platforms: dict[str, Platform]) -> None:
    from avion_workspace.localenv import redis_users
    from avion_workspace.render.infrastructure import datastores_values

    acl = {entry["user"]: entry["rule"] for entry in datastores_values(platforms["production"])["redisAcl"]}
    assert next(iter(acl)) == "default"
    for user in redis_users(platforms["local"]):
        assert acl[user.name] == " ".join(user.acl_rule("<password>"))
    assert acl["avion_alpha"].startswith("on <password> resetkeys ~cache:* ~session:* resetchannels")


def test_postgres_network_policies_let_the_operator_poolers_and_backups_through(
    platforms: dict[str, Platform],
) -> None:
    policy = cluster_values(platforms["production"])["networkPolicy"]["postgres"]
    assert policy["poolers"] == [PG_POOLER_RW, PG_POOLER_RO]
    assert policy["operatorNamespace"] == "cnpg-system"
