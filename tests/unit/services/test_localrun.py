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

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform() -> Platform:
    return load_platform(ROOT / "config")


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
    env = local_env(platform, platform.services["system-admin"], credentials)
    assert env["SYSTEM_ADMIN_HTTP_PORT"] == "8110"
    assert env["SYSTEM_ADMIN_GRPC_PORT"] == "9110"
    assert env["SYSTEM_ADMIN_DATABASE_PORT"] == str(platform.postgres.local_port)
    assert env["SYSTEM_ADMIN_DATABASE_USER"] == "avion_system_admin"
    db_password = "value-of-AVION_SYSTEM_ADMIN_DB_PASSWORD"  # pragma: allowlist secret
    assert env["SYSTEM_ADMIN_DATABASE_PASSWORD"] == db_password
    assert env["SYSTEM_ADMIN_REDIS_USER"] == "avion_system_admin"
    redis_password = "value-of-AVION_SYSTEM_ADMIN_REDIS_PASSWORD"  # pragma: allowlist secret
    assert env["SYSTEM_ADMIN_REDIS_PASSWORD"] == redis_password
    assert (
        env["SYSTEM_ADMIN_S3_ENDPOINT"] == f"http://127.0.0.1:{platform.object_storage.local_port}"
    )
    assert env["SYSTEM_ADMIN_S3_ACCESS_KEY"] == "value-of-MINIO_ROOT_USER"
    search = local_env(platform, platform.services["search"], credentials)
    assert search["SEARCH_SEARCH_URL"] == f"http://127.0.0.1:{platform.search.local_port}"
    api_key = "value-of-MEILI_MASTER_KEY"  # pragma: allowlist secret
    assert search["SEARCH_SEARCH_API_KEY"] == api_key


def test_missing_credentials_are_named_with_the_fix(
    platform: Platform, credentials: dict[str, str]
) -> None:
    partial = {k: v for k, v in credentials.items() if not k.startswith("MINIO_")}
    with pytest.raises(AvionError) as caught:
        local_env(platform, platform.services["media"], partial)
    assert caught.value.render() == (
        "error: media: the local credentials lack MINIO_ROOT_PASSWORD, MINIO_ROOT_USER\n"
        "hint: run `inv setup` to complete .env (existing values are kept)"
    )
