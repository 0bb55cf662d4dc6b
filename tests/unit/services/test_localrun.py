"""``inv run``'s environment: every setting a service requires, pointing at the local stack."""

from __future__ import annotations

from pathlib import Path

import pytest
from avion_service.settings import variables

from avion_workspace import localenv
from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.render.services import service_spec
from avion_workspace.services.localrun import local_env


@pytest.fixture(scope="module")
def platform(fixture_config: Path) -> Platform:
    return load_platform(fixture_config)


@pytest.fixture(scope="module")
def credentials(platform: Platform) -> dict[str, str]:
    return {name: f"value-of-{name}" for name in localenv.credential_names(platform)}


def test_every_required_setting_of_every_service_is_set(
    platform: Platform, credentials: dict[str, str]
) -> None:
    for service in platform.services.values():
        env = local_env(platform, service, credentials)
        declared = {v.env for v in variables(service_spec(service))}
        required = {v.env for v in variables(service_spec(service)) if v.required}
        prefixed = {name for name in env if name.startswith(service.env_prefix + "_")}
        assert required <= prefixed, service.name
        assert prefixed <= declared, service.name  # nothing the service would not read


def test_a_service_reaches_the_local_stack_as_its_own_role_and_acl_user(
    platform: Platform, credentials: dict[str, str]
) -> None:
    env = local_env(platform, platform.services["beta"], credentials)
    assert env["BETA_HTTP_PORT"] == "8202"
    assert env["BETA_GRPC_PORT"] == "9202"
    assert env["BETA_DATABASE_PORT"] == str(platform.postgres.local_port)
    assert env["BETA_DATABASE_USER"] == "avion_beta"
    db_password = "value-of-AVION_BETA_DB_PASSWORD"  # pragma: allowlist secret
    assert env["BETA_DATABASE_PASSWORD"] == db_password
    assert env["BETA_REDIS_USER"] == "avion_beta"
    redis_password = "value-of-AVION_BETA_REDIS_PASSWORD"  # pragma: allowlist secret
    assert env["BETA_REDIS_PASSWORD"] == redis_password
    assert env["BETA_S3_ENDPOINT"] == f"http://127.0.0.1:{platform.object_storage.local_port}"
    assert env["BETA_S3_ACCESS_KEY"] == "value-of-S3_ROOT_ACCESS_KEY"
    assert env["BETA_S3_SECRET_KEY"] == "value-of-S3_ROOT_SECRET_KEY"  # pragma: allowlist secret
    assert env["BETA_SEARCH_URL"] == f"http://127.0.0.1:{platform.search.local_port}"
    api_key = "value-of-MEILI_MASTER_KEY"  # pragma: allowlist secret
    assert env["BETA_SEARCH_API_KEY"] == api_key
    assert env["OTEL_SERVICE_NAME"] == "beta"
    bare = local_env(platform, platform.services["gamma"], credentials)
    assert not [name for name in bare if "DATABASE" in name or "REDIS" in name]


def test_missing_credentials_are_named_with_the_fix(
    platform: Platform, credentials: dict[str, str]
) -> None:
    partial = {k: v for k, v in credentials.items() if not k.startswith("S3_ROOT_")}
    with pytest.raises(AvionError) as caught:
        local_env(platform, platform.services["beta"], partial)
    assert caught.value.render() == (
        "error: beta: the local credentials lack S3_ROOT_ACCESS_KEY, S3_ROOT_SECRET_KEY\n"
        "hint: run `inv setup` to complete .env (existing values are kept)"
    )


def test_a_dotenv_with_the_former_s3_names_is_told_inv_setup_renames_them(
    platform: Platform, credentials: dict[str, str]
) -> None:
    partial = {k: v for k, v in credentials.items() if not k.startswith("S3_ROOT_")}
    old = "old-secret"  # pragma: allowlist secret
    partial |= {"MINIO_ROOT_USER": "old-user", "MINIO_ROOT_PASSWORD": old}
    with pytest.raises(AvionError) as caught:
        local_env(platform, platform.services["beta"], partial)
    assert caught.value.hint == (
        "run `inv setup` to complete .env (existing values are kept); it also renames "
        "MINIO_ROOT_USER -> S3_ROOT_ACCESS_KEY, MINIO_ROOT_PASSWORD -> S3_ROOT_SECRET_KEY, "
        "keeping the values"
    )
    assert "old-" not in caught.value.render()


def test_inv_run_points_traces_at_the_local_receiver(
    platform: Platform, credentials: dict[str, str]
) -> None:
    env = local_env(platform, platform.services["alpha"], credentials)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4317"
    assert env["OTEL_EXPORTER_OTLP_INSECURE"] == "true"
