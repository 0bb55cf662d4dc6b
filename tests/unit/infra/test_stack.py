"""The status document, endpoints and credentials; backend choice; the native start plan."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.errors import ComponentMissing
from avion_workspace.infra.lifecycle import choose_backend, record_backend, require_components
from avion_workspace.infra.native import plan_start
from avion_workspace.infra.stack import ComponentStatus, Credentials, Endpoints, status_document
from avion_workspace.localenv import credential_names
from tests.support import fixture_config_dir

ROOT = Path(__file__).resolve().parents[3]
PLATFORM = load_platform(fixture_config_dir())
ENV = {name: f"v/{name.lower()}" for name in credential_names(PLATFORM)}


def statuses(state: str = "running") -> dict[str, ComponentStatus]:
    endpoints = Endpoints.of(PLATFORM)
    return {
        n: ComponentStatus(n, state, endpoints.url(n), server=PROGRAMS[n])
        for n in ("postgres", "redis", "s3", "search")
    }


PROGRAMS = {
    "postgres": "postgres",
    "redis": "redis-server",
    "s3": "versitygw",
    "search": "meilisearch",
}
VERSIONS = {"postgres": "17.10", "redis": "7.0.15", "s3": "1.8.0", "search": "1.21.0"}


def test_status_document_has_exactly_the_documented_shape() -> None:
    doc = status_document(
        PLATFORM, statuses(), Credentials.of(ENV), Endpoints.of(PLATFORM), VERSIONS
    )
    components = doc["components"]
    assert list(doc) == ["components"]
    assert list(components) == ["postgres", "redis", "s3", "search"]
    common = {"status", "url", "server", "version"}
    assert set(components["postgres"]) == common | {"databases"}
    assert set(components["redis"]) == common
    assert set(components["s3"]) == common | {"access_key", "secret_key", "buckets"}
    assert set(components["search"]) == common
    assert {n: (c["server"], c["version"]) for n, c in components.items()} == {
        n: (PROGRAMS[n], VERSIONS[n]) for n in components
    }
    assert components["postgres"]["url"] == "postgresql://127.0.0.1:5432"
    assert components["s3"]["buckets"] == [
        "avion-media-uploads",
        "avion-media-processed",
        "avion-backups",
        "avion-logs",
    ]
    assert (components["s3"]["access_key"], components["s3"]["secret_key"]) == (
        "v/s3_root_access_key",
        "v/s3_root_secret_key",
    )
    assert components["search"]["url"] == "http://127.0.0.1:7700"
    assert {v["status"] for v in components.values()} == {"running"}


def test_a_component_not_running_has_no_server_or_version() -> None:
    doc = status_document(
        PLATFORM,
        {n: ComponentStatus(n, "stopped", "") for n in PROGRAMS},
        Credentials.of(ENV),
        Endpoints.of(PLATFORM),
    )
    assert {(c["server"], c["version"]) for c in doc["components"].values()} == {(None, None)}


def test_every_database_gets_an_owner_dsn_with_quoted_password() -> None:
    doc = status_document(PLATFORM, statuses(), Credentials.of(ENV), Endpoints.of(PLATFORM))
    dsns = doc["components"]["postgres"]["databases"]
    assert set(dsns) == set(PLATFORM.postgres.databases)
    url = urlsplit(dsns["avion_beta_db"])
    assert (url.username, url.hostname, url.port, url.path) == (
        "avion_beta",
        "127.0.0.1",
        5432,
        "/avion_beta_db",
    )
    assert url.password == "v%2Favion_beta_db_password"  # pragma: allowlist secret
    redis = urlsplit(doc["components"]["redis"]["url"])
    assert (redis.username, redis.password, redis.port) == ("default", "v%2Fredis_password", 6379)


def test_credentials_name_what_is_missing() -> None:
    with pytest.raises(AvionError, match="lacks S3_ROOT_SECRET_KEY, MEILI_MASTER_KEY") as info:
        Credentials.of(
            {k: v for k, v in ENV.items() if k not in ("S3_ROOT_SECRET_KEY", "MEILI_MASTER_KEY")}
        )
    assert info.value.hint == "run `inv setup`: it completes .env without changing values"


def test_credentials_under_a_former_name_point_at_the_rename() -> None:
    env = {k: v for k, v in ENV.items() if not k.startswith("S3_ROOT_")}
    env["MINIO_ROOT_PASSWORD"] = "old-secret"  # pragma: allowlist secret
    with pytest.raises(AvionError, match="lacks S3_ROOT_ACCESS_KEY, S3_ROOT_SECRET_KEY") as info:
        Credentials.of(env)
    assert info.value.hint == (
        "run `inv setup`: it completes .env without changing values; "
        "it also renames MINIO_ROOT_PASSWORD -> S3_ROOT_SECRET_KEY, keeping the values"
    )


def test_backend_choice(tmp_path: Path) -> None:
    def fail() -> bool:
        raise AssertionError("must not ping when the choice is made otherwise")

    assert choose_backend(tmp_path, "native", fail).name == "native"
    with pytest.raises(AvionError, match="unknown backend 'podman'"):
        choose_backend(tmp_path, "podman", fail)
    assert choose_backend(tmp_path, None, lambda: True).name == "docker"
    choice = choose_backend(tmp_path, None, lambda: False)
    assert (choice.name, choice.reason) == ("native", "no Docker engine answers")
    record_backend(tmp_path, "native")
    assert choose_backend(tmp_path, None, fail).reason == "recorded in .avion/backend"
    assert choose_backend(tmp_path, "docker", fail).name == "docker"  # --backend overrides


def test_start_plan() -> None:
    names = ("postgres", "redis", "s3", "search")
    plan = plan_start(
        available=dict.fromkeys(names, True) | {"search": False},
        running={"postgres": True, "redis": True, "s3": False, "search": False},
        reconfigured={"postgres": False, "redis": True, "s3": False, "search": False},
    )
    assert (plan.keep, plan.restart, plan.start, plan.missing) == (
        ("postgres",),
        ("redis",),
        ("s3",),
        ("search",),
    )


def test_missing_components_fail_with_how_to_get_each() -> None:
    current = statuses() | {
        "search": ComponentStatus("search", "missing", "http://x", "npm i meilisearch-ish")
    }
    with pytest.raises(ComponentMissing) as caught:
        require_components(current)
    assert (
        caught.value.message
        == "1 component(s) the local environment requires cannot run here: search"
    )
    assert [p.render() for p in caught.value.problems] == [
        "search: not available\n    hint: npm i meilisearch-ish"
    ]
    require_components(statuses())


def test_provisioning_changes_are_summarized_by_kind() -> None:
    from avion_workspace.infra.cli import summarize_changes

    changes = [
        "created role a",
        "created database a_db",
        "created role b",
        "enabled versioning on x",
        "created database b_db",
    ]
    assert summarize_changes(changes) == [
        "created role: a, b",
        "created database: a_db, b_db",
        "enabled versioning on x",
    ]
    assert summarize_changes([]) == []
