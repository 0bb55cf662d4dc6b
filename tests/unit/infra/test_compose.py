"""The rendered docker-compose.yml: read as container specs, and valid Compose."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.infra.compose import interpolate, load_compose, parse_duration
from avion_workspace.infra.errors import InfraError
from avion_workspace.localenv import credential_names
from avion_workspace.render.artifacts import local_stack
from avion_workspace.render.plan import RenderContext
from tests.support import fixture_config_dir

ROOT = Path(__file__).resolve().parents[3]
# The compose file the engine renders for the fixture config (ROOT stays the project directory).
PLATFORMS = load_platforms(fixture_config_dir())
COMPOSE = next(
    f.content.decode()
    for f in local_stack(RenderContext(PLATFORMS))
    if f.path == "docker-compose.yml"
)


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return {name: f"v-{name.lower()}" for name in credential_names(PLATFORMS["local"])}


def test_interpolation_forms() -> None:
    env = {"A": "1", "EMPTY": ""}
    assert interpolate("x${A}y$A", env, "w") == "x1y1"
    assert interpolate("$$A and $${A}", env, "w") == "$A and ${A}"
    assert interpolate("${B:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt}", env, "w") == "dflt dflt "
    with pytest.raises(InfraError, match=r"services.redis: \$B is not set: run inv setup"):
        interpolate("${B:?run inv setup}", env, "services.redis")
    with pytest.raises(InfraError, match=r"\$EMPTY is not set"):
        interpolate("${EMPTY:?required}", env, "w")
    assert interpolate("${EMPTY?required}", env, "w") == ""


def test_durations() -> None:
    assert parse_duration("2s") == 2.0
    assert parse_duration("1m30s") == 90.0
    assert parse_duration("500ms") == 0.5
    with pytest.raises(InfraError):
        parse_duration("2 seconds")


def test_the_rendered_file_becomes_ordered_container_specs(
    env: dict[str, str], tmp_path: Path
) -> None:
    project = load_compose(COMPOSE, env, ROOT)
    assert project.name == "avion"
    assert project.network == "avion_default"
    assert set(project.volumes) == {
        "avion_postgres-data",
        "avion_redis-data",
        "avion_s3-data",
        "avion_meilisearch-data",
    }
    names = [s.service for s in project.services]
    assert names == ["postgres", "redis", "s3", "meilisearch"]
    postgres = project.service("postgres")
    assert postgres.name == "avion-postgres-1"
    expected = "v-postgres_password"  # pragma: allowlist secret
    assert postgres.environment["POSTGRES_PASSWORD"] == expected
    assert [(p.host_ip, p.host_port, p.container_port) for p in postgres.ports] == [
        ("127.0.0.1", 5432, 5432)
    ]
    volume, init = postgres.mounts
    assert (volume.source, volume.target, volume.is_volume) == (
        "avion_postgres-data",
        "/var/lib/postgresql/data",
        True,
    )
    assert init.source == str(ROOT / "infrastructure/local/postgres-init.sh")
    assert init.read_only
    assert not init.is_volume
    assert postgres.healthcheck is not None
    assert (postgres.healthcheck.interval, postgres.healthcheck.retries) == (2.0, 30)
    redis = project.service("redis")
    assert redis.command is not None
    assert "avion_alpha on >v-avion_alpha_redis_password resetkeys ~cache:* ~session:*" in " ".join(
        redis.command
    )
    s3 = project.service("s3")
    assert s3.environment["ROOT_ACCESS_KEY"] == "v-s3_root_access_key"
    assert s3.environment["ROOT_SECRET_KEY"] == "v-s3_root_secret_key"  # pragma: allowlist secret
    assert s3.command is not None
    assert "versitygw --port :7070" in s3.command[0]
    assert not postgres.one_shot
    document = yaml.safe_load(COMPOSE)
    document["services"]["s3-init"] = {
        "image": "busybox:1.37",
        "depends_on": {"s3": {"condition": "service_healthy"}},
        "command": ["true"],
        "restart": "no",
    }
    job = load_compose(yaml.safe_dump(document), env, ROOT).service("s3-init")
    assert job.one_shot
    assert job.depends_on == {"s3": "service_healthy"}


def test_unset_credentials_say_to_run_setup() -> None:
    with pytest.raises(
        InfraError, match=r"POSTGRES_PASSWORD is not set: run inv setup to generate .env"
    ):
        load_compose(COMPOSE, {}, ROOT)


def test_keys_this_reader_does_not_understand_are_rejected(env: dict[str, str]) -> None:
    text = "name: x\nservices:\n  a:\n    image: busybox\n    privileged: true\n"
    with pytest.raises(InfraError, match=r"services\.a: unsupported keys privileged"):
        load_compose(text, env, ROOT)


def test_dependency_cycles_and_unknown_dependencies_are_errors(env: dict[str, str]) -> None:
    cycle = "services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n"
    with pytest.raises(InfraError, match="dependency cycle"):
        load_compose(cycle, env, ROOT)
    unknown = "services:\n  a: {image: x, depends_on: [zz]}\n"
    with pytest.raises(InfraError, match="unknown service 'zz'"):
        load_compose(unknown, env, ROOT)


def test_the_rendered_file_is_valid_against_the_compose_specification() -> None:
    # The compose-spec JSON schema as vendored by check-jsonschema (a test dependency), from
    # compose-spec/compose-spec schema/compose-spec.json.
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    document = yaml.safe_load(COMPOSE)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []
    # and the schema does catch a broken file
    document["services"]["redis"]["helthcheck"] = {"test": ["CMD", "true"]}  # a typo
    assert list(validator.iter_errors(document))


def test_this_machines_ports_move_only_the_published_host_ports(env: dict[str, str]) -> None:
    project = load_compose(COMPOSE, env, ROOT)
    moved = project.with_host_ports({5432: 55432})
    before = {b.container_port: b.host_port for b in project.service("postgres").ports}
    after = {b.container_port: b.host_port for b in moved.service("postgres").ports}
    assert before == {5432: 5432}
    assert after == {5432: 55432}
    assert moved.service("redis") == project.service("redis")
