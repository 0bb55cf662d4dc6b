"""The spec's rules, and the settings derived from it for each combination of parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from avion_config import SettingsError
from avion_service import settings as config
from avion_service.spec import ServiceSpec, SpecError
from service_cases import PARTS, combinations, make_spec

PART_VARIABLES = {
    "database": {
        "DATABASE_HOST",
        "DATABASE_PORT",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "DATABASE_SSLMODE",
        "DATABASE_POOL_MAX_SIZE",
        "MIGRATIONS_DIR",
    },
    "redis": {"REDIS_HOST", "REDIS_PORT", "REDIS_MASTER_SET", "REDIS_USER", "REDIS_PASSWORD"},
    "buckets": {"S3_ENDPOINT", "S3_REGION", "S3_BUCKETS", "S3_ACCESS_KEY", "S3_SECRET_KEY"},
    "search": {"SEARCH_URL", "SEARCH_API_KEY"},
}
CORE = {
    "ENVIRONMENT",
    "HOST",
    "HTTP_PORT",
    "GRPC_PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "SHUTDOWN_GRACE_SECONDS",
    "READINESS_TIMEOUT_SECONDS",
    "READINESS_INTERVAL_SECONDS",
}
REQUIRED = {
    "database": {"DATABASE_HOST", "DATABASE_PASSWORD"},
    "redis": {"REDIS_HOST", "REDIS_PASSWORD"},
    "buckets": {"S3_ACCESS_KEY", "S3_SECRET_KEY"},
    "search": {"SEARCH_URL", "SEARCH_API_KEY"},
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Bad_Name"}, "service name 'Bad_Name' must be lower-kebab-case"),
        ({"package": "not-a-package"}, "package 'not-a-package' is not a Python package name"),
        ({"http_port": 0}, "demo-svc: port 0 is out of range"),
        ({"database": "db"}, "demo-svc: database and database_owner come together"),
        (
            {"redis_namespaces": ("cache",)},
            "demo-svc: redis_namespaces and redis_user come together",
        ),
    ],
)
def test_a_spec_that_cannot_describe_a_service_is_refused(
    changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"name": "demo-svc", "package": "demo_pkg", **changes}
    with pytest.raises(SpecError) as caught:
        ServiceSpec(**values)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_prefix_and_parts() -> None:
    spec = make_spec(PARTS, name="system-admin")
    assert spec.env_prefix == "SYSTEM_ADMIN_"
    assert spec.parts == PARTS
    assert make_spec(()).parts == ()


@combinations
def test_variables_are_the_prefixed_settings_of_the_declared_parts(parts: tuple[str, ...]) -> None:
    spec = make_spec(parts)
    found = config.variables(spec)
    own = {v.env.removeprefix("DEMO_SVC_") for v in found if v.env.startswith("DEMO_SVC_")}
    expected = CORE.union(*(PART_VARIABLES[p] for p in parts))
    assert own == expected
    required = {v.env.removeprefix("DEMO_SVC_") for v in found if v.required}
    assert required == set().union(*(REQUIRED[p] for p in parts))
    assert {v.key for v in found if v.env == "OTEL_SERVICE_NAME"} == {"telemetry.service_name"}
    secrets = {v.env for v in found if v.secret and v.env.startswith("DEMO_SVC_")}
    assert all(s.endswith(("PASSWORD", "KEY")) for s in secrets)


@combinations
def test_missing_required_settings_are_reported_together(parts: tuple[str, ...]) -> None:
    spec = make_spec(parts)
    if not parts:
        assert config.load(spec, {}).core.http_port == 8080
        return
    with pytest.raises(SettingsError) as caught:
        config.load(spec, {})
    named = {problem.env.removeprefix("DEMO_SVC_") for problem in caught.value.problems}
    assert named == set().union(*(REQUIRED[p] for p in parts))


def test_defaults_come_from_the_spec_and_values_from_the_environment(tmp_path: Path) -> None:
    spec = make_spec(PARTS)
    secret = tmp_path / "demo_svc_search_api_key"
    secret.write_text("from-a-file\n")
    env = {
        "DEMO_SVC_ENVIRONMENT": "staging",
        "DEMO_SVC_DATABASE_HOST": "db.example",
        "DEMO_SVC_DATABASE_PASSWORD": "pw",
        "DEMO_SVC_REDIS_HOST": "redis.example",
        "DEMO_SVC_REDIS_PASSWORD": "pw",
        "DEMO_SVC_S3_ACCESS_KEY": "a",
        "DEMO_SVC_S3_SECRET_KEY": "b",
        "DEMO_SVC_SEARCH_URL": "http://search.example:7700",
        "AVION_SECRETS_DIR": str(tmp_path),
    }
    loaded = config.load(spec, env)
    assert (loaded.database.name, loaded.database.user) == ("avion_demo_db", "avion_demo")
    assert loaded.database.migrations_dir == config.IMAGE_MIGRATIONS_DIR
    assert loaded.redis.user == "avion_demo"
    assert loaded.s3.buckets == ("uploads", "processed")
    assert loaded.search.api_key.reveal() == "from-a-file"
    assert (loaded.telemetry.service_name, loaded.telemetry.environment) == ("demo-svc", "staging")
    assert "password=pw" in loaded.database.conninfo(application_name="demo-svc")
    assert loaded.logging_settings().service == "demo-svc"


@pytest.mark.parametrize("part", PARTS)
def test_asking_for_an_undeclared_part_is_a_clear_error(part: str) -> None:
    loaded = config.load(make_spec(()), {})
    attribute = {"buckets": "s3"}.get(part, part)
    with pytest.raises(config.UndeclaredPart) as caught:
        getattr(loaded, attribute)
    assert str(caught.value) == (
        f"service 'demo-svc' does not declare {part!r}: add it to the service's spec "
        "(config/platform.yaml, then `inv render`) before using it"
    )
    with pytest.raises(config.UndeclaredPart):
        config.load_part(make_spec(()), part, {})


def test_migrations_default_beside_a_source_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "svc" / "src" / "kit_probe_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (tmp_path / "svc" / "migrations").mkdir()
    monkeypatch.syspath_prepend(str(package.parent))
    spec = ServiceSpec("kit-probe", "kit_probe_pkg", database="d", database_owner="o")
    assert config.default_migrations_dir(spec) == (tmp_path / "svc" / "migrations").resolve()
    assert (
        config.default_migrations_dir(ServiceSpec("x", "no_such_pkg_anywhere"))
        == config.IMAGE_MIGRATIONS_DIR
    )
