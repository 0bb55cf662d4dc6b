"""The charts' values and schema as derived from config: every decision a template only formats."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.charts import (
    LIBRARY,
    chart_secrets,
    chart_values,
    charts,
    datastore_rules,
    migration_command,
    values_schema,
    workspace_schema,
)
from avion_workspace.render.plan import RenderContext

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


@pytest.fixture(scope="module")
def schema() -> dict[str, object]:
    return values_schema(workspace_schema())


def test_production_runs_three_or_more_replicas_spread_over_zones(
    platforms: dict[str, Platform],
) -> None:
    prod = platforms["production"]
    assert len(prod.environment.zones) >= 3
    for service in prod.services.values():
        values = chart_values(prod, service)
        assert values["replicaCount"] >= 3
        assert values["autoscaling"]["enabled"] is True
        assert values["autoscaling"]["minReplicas"] >= 3
        assert values["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
        assert values["topologySpread"]["enabled"] is True
        assert values["topologySpread"]["topologyKey"] == "topology.kubernetes.io/zone"
        assert values["topologySpread"]["whenUnsatisfiable"] == "DoNotSchedule"


def test_staging_is_smaller_than_production(platforms: dict[str, Platform]) -> None:
    for name in platforms["staging"].services:
        staging = chart_values(platforms["staging"], platforms["staging"].services[name])
        prod = chart_values(platforms["production"], platforms["production"].services[name])
        assert 1 <= staging["replicaCount"] < prod["replicaCount"]
        assert staging["autoscaling"]["maxReplicas"] < prod["autoscaling"]["maxReplicas"]


def test_a_single_replica_gets_no_disruption_budget_and_no_spread(
    platforms: dict[str, Platform],
) -> None:
    local = platforms["local"]
    values = chart_values(local, local.services["alpha"])
    assert values["replicaCount"] == 1
    assert values["podDisruptionBudget"]["enabled"] is False
    assert values["topologySpread"]["enabled"] is False
    assert values["ingress"]["tlsSecretName"] == ""


def test_a_service_keeps_its_own_production_autoscaling(platforms: dict[str, Platform]) -> None:
    # The fixture's production overlay gives alpha its own autoscaling (20 replicas at 65%).
    values = chart_values(platforms["production"], platforms["production"].services["alpha"])
    assert values["autoscaling"] == {
        "enabled": True,
        "minReplicas": 3,
        "maxReplicas": 20,
        "targetCPUUtilizationPercentage": 65,
    }


def test_restricted_pod_security_and_probes(platforms: dict[str, Platform]) -> None:
    values = chart_values(platforms["staging"], platforms["staging"].services["gamma"])
    assert values["containerSecurityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert {k: p["path"] for k, p in values["probes"].items()} == {
        "readiness": "/readyz",
        "liveness": "/healthz",
        "startup": "/healthz",
    }
    assert values["ports"] == {"http": 8080, "grpc": 9090}
    assert values["metrics"]["path"] == "/metrics"


def test_egress_goes_only_to_the_datastores_a_service_uses(platforms: dict[str, Platform]) -> None:
    staging = platforms["staging"]

    def ports(service: str) -> dict[str, list[int]]:
        return {r["name"]: r["ports"] for r in datastore_rules(staging, staging.services[service])}

    assert ports("alpha") == {"postgres": [5432], "redis": [6379, 26379]}
    assert ports("beta") == {
        "postgres": [5432],
        "redis": [6379, 26379],
        "versitygw": [7070],
        "meilisearch": [7700],
    }
    assert ports("gamma") == {}
    no_db = dataclasses.replace(staging.services["alpha"], database=None, redis_namespaces=())
    assert datastore_rules(staging, no_db) == []


def test_production_object_storage_is_s3_outside_the_cluster(
    platforms: dict[str, Platform],
) -> None:
    prod = platforms["production"]
    rules = {r["name"]: r for r in datastore_rules(prod, prod.services["beta"])}
    assert "versitygw" not in rules
    assert rules["s3"]["ports"] == [443]
    assert rules["s3"]["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert "10.0.0.0/8" in rules["s3"]["ipBlock"]["except"]


def test_only_the_database_rule_is_opened_to_the_migration_job(
    platforms: dict[str, Platform],
) -> None:
    rules = datastore_rules(platforms["staging"], platforms["staging"].services["beta"])
    assert [r["name"] for r in rules if r.get("migrations")] == ["postgres"]


def test_migrations_run_the_service_package_for_services_with_a_database(
    platforms: dict[str, Platform],
) -> None:
    staging = platforms["staging"]
    service = staging.services["alpha"]
    values = chart_values(staging, service)
    assert values["migrations"]["enabled"] is True
    assert values["migrations"]["command"] == ["python", "-m", "avion_alpha", "migrate"]
    assert migration_command(service) == values["migrations"]["command"]
    without = chart_values(staging, dataclasses.replace(service, database=None))
    assert without["migrations"] == {**values["migrations"], "enabled": False, "command": []}
    assert "alpha_database_password" not in without["secrets"]["keys"]


def test_credentials_are_files_named_like_the_settings(platforms: dict[str, Platform]) -> None:
    values = chart_values(platforms["staging"], platforms["staging"].services["beta"])
    assert values["secrets"] == {
        "secretName": "beta-credentials",
        "mountPath": "/run/secrets",
        "keys": [
            "beta_database_password",
            "beta_redis_password",
            "beta_s3_access_key",
            "beta_s3_secret_key",
            "beta_search_api_key",
        ],
    }
    env = {e["name"]: e["value"] for e in values["env"]}
    assert env["BETA_DATABASE_NAME"] == "avion_beta_db"
    assert env["BETA_S3_BUCKETS"] == "avion-media-uploads"
    assert not any("PASSWORD" in name for name in env)


def test_the_chart_sets_exactly_the_settings_the_service_reads(
    platforms: dict[str, Platform],
) -> None:
    """Every required setting of every service is given, as a value or a secret file, by name."""
    from avion_service.settings import variables

    from avion_workspace.render.services import service_spec

    for env_name in ("staging", "production"):
        platform = platforms[env_name]
        for service in platform.services.values():
            values = chart_values(platform, service)
            given = {e["name"] for e in values["env"]} | {
                k.upper() for k in values["secrets"]["keys"]
            }
            read = variables(service_spec(service))
            declared = {v.env for v in read}
            assert given <= declared, service.name
            required = {v.env for v in read if v.required}
            assert required <= given, (service.name, required - given)


def test_the_values_schema_reuses_the_workspace_definitions(schema: dict[str, object]) -> None:
    ws = workspace_schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    assert defs["resources"] == ws["$defs"]["resources"]
    assert defs["cpu"] == ws["$defs"]["cpu"]
    scaling = defs["autoscaling"]["properties"]
    assert scaling["maxReplicas"] == ws["$defs"]["autoscaling"]["properties"]["max_replicas"]
    assert scaling["targetCPUUtilizationPercentage"]["maximum"] == 100


def test_every_rendered_values_file_meets_the_schema(
    platforms: dict[str, Platform], schema: dict[str, object]
) -> None:
    validator = jsonschema.Draft7Validator(schema)
    for platform in platforms.values():
        for service in platform.services.values():
            values = chart_values(platform, service)
            assert list(validator.iter_errors(values)) == []


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("containerSecurityContext", "runAsNonRoot"), False),
        (("containerSecurityContext", "readOnlyRootFilesystem"), False),
        (("resources", "limits", "cpu"), "lots"),
        (("autoscaling", "maxReplicas"), 0),
        (("image", "pullPolicy"), "Sometimes"),
    ],
)
def test_the_schema_rejects_weakened_or_malformed_values(
    platforms: dict[str, Platform], schema: dict[str, object], path: tuple[str, ...], bad: object
) -> None:
    values = copy.deepcopy(
        chart_values(platforms["production"], platforms["production"].services["alpha"])
    )
    node = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(values))
    assert errors, f"{'.'.join(path)}={bad!r} was accepted"


def test_chart_files_and_library_conventions(platforms: dict[str, Platform]) -> None:
    files = {f.path: f for f in charts(RenderContext(platforms))}
    library = yaml.safe_load(files[f"charts/{LIBRARY}/Chart.yaml"].content)
    assert library["type"] == "library"
    for name in platforms["local"].services:
        chart = yaml.safe_load(files[f"charts/{name}/Chart.yaml"].content)
        assert chart["dependencies"] == [
            {"name": LIBRARY, "version": library["version"], "repository": f"file://../{LIBRARY}"}
        ]
        for env in platforms:
            assert f"charts/{name}/values-{env}.yaml" in files
        json.loads(files[f"charts/{name}/values.schema.json"].content)
    helpers = [p for p in files if p.startswith(f"charts/{LIBRARY}/templates/_")]
    assert len(helpers) >= 9
    for path in helpers:
        text = files[path].content.decode()
        defines = re.findall(r'define "([^"]+)"', text)
        assert defines, path
        area = path.rsplit("/_", 1)[1].removesuffix(".tpl")
        for name in defines:
            assert name.startswith(f"{LIBRARY}."), name
            # Each helper documents its call with the "context" argument.
            usage = re.search(
                rf'Usage:\n\{{\{{ include "{re.escape(name)}" \(dict .*"context" \$\)', text
            )
            assert usage, f'{name} in {path} lacks a Usage: comment with "context" $'
        assert any(area.lower() in d.lower().replace("-", "") for d in defines), path


def test_the_secrets_the_deploy_docs_list_are_the_charts_own(
    platforms: dict[str, Platform],
) -> None:
    # The deploy docs read chart_secrets() (not the whole values): it must stay the values' part.
    for group in (platforms, load_platforms(ROOT / "config")):
        for platform in group.values():
            for service in platform.services.values():
                assert (
                    chart_secrets(platform, service) == (chart_values(platform, service)["secrets"])
                ), (platform.environment.name, service.name)
