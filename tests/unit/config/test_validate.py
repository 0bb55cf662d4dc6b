"""Validation: every kind of bad input gets a located message; good config loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.validate import load_config
from avion_workspace.errors import ConfigError
from tests.support import copy_fixture_config

Edit = Callable[[str, str, str], Path]


def messages(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(config_dir)
    return [p.render() for p in info.value.problems]


def only(config_dir: Path) -> str:
    found = messages(config_dir)
    assert len(found) == 1, found
    return found[0]


def test_the_workspace_config_is_valid() -> None:
    # Deliberately the real config/: it is valid, and each of its services has its folder.
    root = Path(__file__).resolve().parents[3]
    config = load_config(root / "config")
    assert config.environments == ("local", "staging", "production")
    folders = {p.name for p in (root / "services").iterdir() if p.is_dir()}
    assert set(config.base.data["services"]) == folders


def test_unknown_key_is_located_with_a_suggestion(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        "    database: avion_auth_db\n",
        "    database: avion_auth_db\n    databse: x\n",
    )
    message = only(cfg)
    assert "platform.yaml:" in message
    assert "$.services.auth.databse: unknown key 'databse'" in message
    assert "did you mean 'database'?" in message


def test_wrong_type(edit: Edit) -> None:
    cfg = edit("environments/production.yaml", "  replicas: 3\n", "  replicas: three\n")
    message = only(cfg)
    assert message.startswith(
        str(cfg / "environments/production.yaml") + ":3:13: $.service_defaults.replicas:"
    )
    assert "'three' is not of type 'integer'" in message


def test_bad_kubernetes_name(edit: Edit) -> None:
    cfg = edit("platform.yaml", "  notification:\n", "  Noti_Fication:\n")
    message = only(cfg)
    assert '$.services.Noti_Fication: "Noti_Fication" is not a valid name here' in message
    assert "RFC 1123" in message


def test_bad_bucket_name(edit: Edit) -> None:
    cfg = edit("platform.yaml", "    avion-logs: {purpose", "    avion..logs: {purpose")
    found = messages(cfg)
    assert any(
        "$.object_storage.buckets['avion..logs']" in m and "S3 bucket names" in m for m in found
    )


def test_postgres_identifier_longer_than_63_bytes(edit: Edit) -> None:
    long_name = "avion_" + "x" * 60
    cfg = edit("platform.yaml", "{owner: avion_auth}", "{owner: " + long_name + "}")
    message = only(cfg)
    assert "$.postgres.databases.avion_auth_db.owner" in message
    assert "is too long" in message
    assert "at most 63 bytes" in message


def test_dangling_reference(edit: Edit) -> None:
    cfg = edit("platform.yaml", "    redis: [cache, session]\n", "    redis: [cache, sesion]\n")
    message = only(cfg)
    assert "$.services.auth.redis[1]: Redis namespace 'sesion' is not declared" in message
    assert "did you mean 'session'?" in message


def test_dangling_database(edit: Edit) -> None:
    cfg = edit("platform.yaml", "    database: avion_media_db\n", "    database: avion_medias_db\n")
    assert "database 'avion_medias_db' is not declared" in only(cfg)


def test_duplicate_entry(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml", "    redis: [cache, session]\n", "    redis: [cache, session, cache]\n"
    )
    assert "$.services.auth.redis[2]: Redis namespace 'cache' is listed twice" in only(cfg)


def test_two_services_claiming_one_database(edit: Edit) -> None:
    cfg = edit("platform.yaml", "    database: avion_user_db\n", "    database: avion_auth_db\n")
    assert "database 'avion_auth_db' is already used by service 'auth'" in only(cfg)


def test_port_collision(tmp_path: Path) -> None:
    # On the fixture config, so that moving a live service's port changes no test.
    cfg = copy_fixture_config(tmp_path / "config")
    platform = cfg / "platform.yaml"
    text = platform.read_text()
    assert text.count("{http: 8202, grpc: 9202}") == 1
    platform.write_text(text.replace("{http: 8202, grpc: 9202}", "{http: 8201, grpc: 9202}"))
    message = only(cfg)
    assert (
        "$.services.beta.local_ports.http: port 8201 of service beta (http) is already claimed by service alpha (http)"
        in message
    )


def test_port_collision_introduced_by_an_overlay(edit: Edit, config_copy: Path) -> None:
    (config_copy / "environments/local.yaml").write_text("redis:\n  local_port: 5432\n")
    message = only(config_copy)
    assert (
        "environments/local.yaml:2:15: $.redis.local_port: port 5432 of redis is already claimed by postgres"
        in message
    )


def test_duplicate_key(edit: Edit) -> None:
    cfg = edit("platform.yaml", "  local_port: 7700\n", "  local_port: 7700\n  local_port: 7701\n")
    assert "duplicate key 'local_port' (first defined on line" in only(cfg)


def test_custom_tag(edit: Edit) -> None:
    cfg = edit("platform.yaml", "  local_port: 7700\n", "  local_port: !port 7700\n")
    assert "tag !port is not allowed" in only(cfg)


def test_syntax_error_in_an_overlay_and_errors_in_base_together(
    edit: Edit, config_copy: Path
) -> None:
    edit("platform.yaml", "    redis: [cache, session]\n", "    redis: [cache, sesion]\n")
    (config_copy / "environments/staging.yaml").write_text("service_defaults: [\n")
    found = messages(config_copy)
    assert any("staging.yaml" in m and "YAML syntax error" in m for m in found)
    assert any("'sesion' is not declared" in m for m in found)


def test_empty_file(config_copy: Path) -> None:
    (config_copy / "platform.yaml").write_text("")
    assert "platform.yaml:1:1: $: the file is empty" in only(config_copy)


def test_overlay_for_an_undeclared_environment(config_copy: Path) -> None:
    (config_copy / "environments/qa.yaml").write_text("services: {}\n")
    assert "overlay for environment 'qa', which is not declared" in only(config_copy)


def test_missing_required_key(edit: Edit) -> None:
    cfg = edit("platform.yaml", "    description: Sign-up, login, sessions and tokens\n", "")
    assert "$.services.auth: missing required key 'description'" in only(cfg)


def test_unknown_key_in_overlay_is_located_in_the_overlay(config_copy: Path) -> None:
    (config_copy / "environments/staging.yaml").write_text("services:\n  auth:\n    replica: 2\n")
    message = only(config_copy)
    assert (
        "environments/staging.yaml:3:5: $.services.auth.replica: unknown key 'replica'" in message
    )


def test_every_problem_is_reported_at_once(edit: Edit) -> None:
    edit("platform.yaml", "    redis: [cache, session]\n", "    redis: [cache, sesion]\n")
    cfg = edit("platform.yaml", "    database: avion_media_db\n", "    database: avion_medias_db\n")
    assert len(messages(cfg)) == 2


def test_overlays_shape_each_environment() -> None:
    platforms = load_platforms(Path(__file__).resolve().parents[3] / "config")
    assert platforms["local"].services["auth"].replicas == 1
    assert platforms["staging"].services["auth"].replicas == 2
    production = platforms["production"]
    assert production.services["auth"].replicas == 3
    assert production.environment.zones == ("eu-west-1a", "eu-west-1b", "eu-west-1c")
    assert production.services["timeline"].autoscaling is not None
    assert production.services["timeline"].autoscaling.max_replicas == 20
    assert production.services["media"].resources.memory_limit == "2Gi"
    assert production.services["auth"].resources.memory_limit == "1Gi"
    assert platforms["local"].services["auth"].autoscaling is None


@pytest.mark.parametrize("name", ["avion-common", "service", "migrate", "workspace"])
def test_a_service_name_taken_by_a_generated_path_is_refused(edit: Edit, name: str) -> None:
    cfg = edit("platform.yaml", "  community:\n", f"  {name}:\n")
    message = only(cfg)
    assert f"$.services.{name}: service name {name!r} is taken by a path the workspace" in message
    assert message.startswith(str(cfg / "platform.yaml") + ":")
    assert "hint: reserved: avion-common, config, cqrs" in message


def test_the_reserved_names_cover_the_library_chart_and_every_library() -> None:
    from avion_workspace.config.validate import RESERVED_SERVICE_NAMES
    from avion_workspace.render.charts import LIBRARY
    from avion_workspace.render.services import LIBRARIES

    assert {LIBRARY, "workspace", *LIBRARIES} == RESERVED_SERVICE_NAMES


def test_an_undeclared_bucket_is_located(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        "    buckets: [avion-backups, avion-logs]\n",
        "    buckets: [avion-backups, avion-nowhere]\n",
    )
    message = only(cfg)
    assert "$.services.system-admin.buckets[1]: bucket 'avion-nowhere' is not declared" in message


def test_the_schema_itself_is_a_valid_draft_2020_12_schema() -> None:
    import json

    import jsonschema

    schema_file = Path(__file__).resolve().parents[3] / "config/schema/platform.schema.json"
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_file.read_text()))


def test_semantic_problems_are_reported_beside_schema_problems(edit: Edit) -> None:
    edit("platform.yaml", "  local_port: 6379\n", "  local_port: 5432\n")  # semantic: port clash
    cfg = edit(
        "platform.yaml",
        "    database: avion_auth_db\n",
        "    database: avion_auth_db\n    databse: x\n",  # schema: unknown key
    )
    found = messages(cfg)
    assert any("unknown key 'databse'" in m for m in found), found
    assert any(
        "$.redis.local_port: port 5432 of redis is already claimed by postgres" in m for m in found
    ), found


def test_a_semantic_check_whose_data_is_malformed_stays_quiet(edit: Edit) -> None:
    cfg = edit("platform.yaml", "  local_port: 6379\n", "  local_port: six\n")
    found = messages(cfg)
    assert len(found) == 1, found
    assert "'six' is not of type 'integer'" in found[0]


def test_a_team_requirement_must_look_like_one(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        '    requirements: ["argon2-cffi>=23.1,<26"]',
        '    requirements: ["argon2-cffi>=23.1,<26", "rm -rf /"]',
    )
    message = only(cfg)
    assert "$.services.auth.requirements[1]:" in message
    assert '"rm -rf /" does not match the naming rule' in message


@pytest.mark.parametrize(
    "name",
    [
        "meilisearch",
        "redis-ha",
        "versitygw",
        "avion-datastores",
        "cloudnative-pg",
        "avion-cluster",
        "avion-observability",
        "kube-prometheus-stack",
        "loki",
        "alloy",
        "ingress-nginx",
    ],
)
def test_a_service_named_like_an_infrastructure_release_is_refused(edit: Edit, name: str) -> None:
    cfg = edit("platform.yaml", "  community:\n", f"  {name}:\n")
    message = only(cfg)
    assert message.startswith(str(cfg / "platform.yaml") + ":")
    assert f"$.services.{name}: service name {name!r} is taken by an infrastructure Helm" in message
    assert "choose another name" in message


def test_a_service_named_platform_is_refused_for_its_alert_group(edit: Edit) -> None:
    cfg = edit("platform.yaml", "  community:\n", "  platform:\n")
    message = only(cfg)
    assert "$.services.platform: service name 'platform' is taken by the platform alert group" in (
        message
    )


def test_the_reserved_names_cover_every_infrastructure_release_of_every_environment() -> None:
    from avion_workspace.config.validate import reserved_service_names
    from avion_workspace.render.infrastructure import RELEASE_NAMES, infrastructure_releases

    platforms = load_platforms(Path(__file__).resolve().parents[3] / "config")
    released = {r.name for p in platforms.values() for r in infrastructure_releases(p)}
    assert released == RELEASE_NAMES
    assert released | {"platform"} <= reserved_service_names()


def test_a_service_declared_only_in_an_overlay_is_located_there(edit: Edit) -> None:
    cfg = edit(
        "environments/staging.yaml",
        "service_defaults:\n",
        "services:\n  extra:\n    description: Only in staging\nservice_defaults:\n",
    )
    message = only(cfg)
    assert message.startswith(
        f"{cfg / 'environments/staging.yaml'}:3:3: $.services.extra: unknown service 'extra': "
        "services are declared in platform.yaml"
    ), message
    assert "add it with `inv service.new extra`" in message


def test_a_request_above_its_limit_is_located(edit: Edit) -> None:
    cfg = edit(
        "environments/production.yaml",
        "      requests: {cpu: 500m, memory: 512Mi}\n",
        "      requests: {cpu: 2500m, memory: 4Gi}\n",
    )
    found = messages(cfg)
    overlay = cfg / "environments/production.yaml"
    assert len(found) == 2, found
    cpu, memory = found
    assert cpu.startswith(f"{overlay}:13:23: $.services.media.resources.requests.cpu: ")
    assert "the cpu request 2500m is above the cpu limit 2" in cpu
    assert "hint: a request cannot exceed its limit" in cpu
    assert "$.services.media.resources.requests.memory: the memory request 4Gi is above" in memory


def test_an_overlay_lowering_a_limit_below_the_base_request_is_blamed(edit: Edit) -> None:
    edit("environments/staging.yaml", "    requests: {cpu: 100m, memory: 128Mi}\n", "")
    cfg = edit(
        "environments/staging.yaml",
        'limits: {cpu: "1", memory: 512Mi}',
        "limits: {cpu: 20m, memory: 512Mi}",
    )
    message = only(cfg)
    assert message.startswith(
        f"{cfg / 'environments/staging.yaml'}:5:19: $.service_defaults.resources.limits.cpu: "
        "the cpu request 50m is above the cpu limit 20m"
    ), message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "chart_repository: oci://ghcr.io/avion-platform/charts",
            "chart_repository: oci://robot:{token}@ghcr.io/avion-platform/charts",
        ),
        ("registry: ghcr.io/avion-platform", "registry: robot:{token}@ghcr.io/avion-platform"),
        # long enough that the quoted value is shortened: no part of the token may survive
        (
            "chart_repository: oci://ghcr.io/avion-platform/charts",
            "chart_repository: https://robot:{token}{token}{token}@charts.example/x",
        ),
    ],
)
def test_a_credential_in_a_repository_url_is_never_quoted(edit: Edit, old: str, new: str) -> None:
    token = "tok9f8e7d6c5b4a"
    message = only(edit("platform.yaml", f"  {old}\n", f"  {new.format(token=token)}\n"))
    assert "does not match the naming rule" in message
    assert "***@" in message
    for fragment in (token, token[:6], "robot:"):
        assert fragment not in message
