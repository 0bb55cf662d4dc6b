"""The docker backend at the docker SDK boundary (no engine runs here: see fake_docker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platform, load_platforms
from avion_workspace.infra.compose import load_compose
from avion_workspace.infra.docker_backend import DockerBackend, connect_docker
from avion_workspace.infra.errors import BackendUnavailable, InfraError
from avion_workspace.infra.ports import free_port
from avion_workspace.infra.probes import Retry
from avion_workspace.infra.stack import Endpoints
from avion_workspace.localenv import credential_names
from avion_workspace.render.artifacts import local_stack
from avion_workspace.render.plan import RenderContext
from tests.support import fixture_config_dir

ROOT = Path(__file__).resolve().parents[3]
PLATFORM = load_platform(fixture_config_dir())
# The compose file the engine renders for the fixture config (ROOT stays the project directory).
COMPOSE = next(
    f.content.decode()
    for f in local_stack(RenderContext(load_platforms(fixture_config_dir())))
    if f.path == "docker-compose.yml"
)
ENV = {name: f"v-{name.lower()}" for name in credential_names(PLATFORM)}


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def update(self, component: str, message: str) -> None:
        self.events.append((component, message))

    def done(self, component: str, message: str) -> None:
        self.events.append((component, f"done: {message}"))


def with_init_job(text: str) -> str:
    """The rendered compose file plus a one-shot job after the S3 server (as a team might add)."""
    document = yaml.safe_load(text)
    document["services"]["s3-init"] = {
        "image": "busybox:1.37",
        "depends_on": {"s3": {"condition": "service_healthy"}},
        "command": ["true"],
        "restart": "no",
    }
    return yaml.safe_dump(document, sort_keys=False)


def backend(client: Any, env: dict[str, str] = ENV, *, job: bool = True) -> DockerBackend:
    text = COMPOSE
    project = load_compose(with_init_job(text) if job else text, env, ROOT)
    return DockerBackend(
        client, project, Endpoints.of(PLATFORM), retry=Retry(timeout=5, first_delay=0, max_delay=0)
    )


@pytest.fixture
def client(fake_docker: Any) -> Any:
    return fake_docker


def test_first_up_creates_network_volumes_and_healthy_containers(client: Any) -> None:
    recorder = Recorder()
    backend(client).up(recorder)
    assert client.calls[0] == ("create network", "avion_default")
    assert {name for op, name in client.calls if op == "create volume"} == {
        "avion_postgres-data",
        "avion_redis-data",
        "avion_s3-data",
        "avion_meilisearch-data",
    }
    assert ("pull", "postgres:17-alpine") in client.calls
    assert ("pull", "ghcr.io/versity/versitygw:v1.8.0") in client.calls
    assert ("pull", "getmeili/meilisearch:v1.21") in client.calls
    postgres = client.containers.get("avion-postgres-1")
    kwargs = postgres.kwargs
    assert kwargs["ports"] == {"5432/tcp": ("127.0.0.1", 5432)}
    assert kwargs["volumes"]["avion_postgres-data"] == {
        "bind": "/var/lib/postgresql/data",
        "mode": "rw",
    }
    assert kwargs["volumes"][str(ROOT / "infrastructure/local/postgres-init.sh")]["mode"] == "ro"
    assert kwargs["healthcheck"] == {
        "test": ["CMD-SHELL", "pg_isready -U postgres -d postgres"],
        "interval": 2_000_000_000,
        "timeout": 3_000_000_000,
        "retries": 30,
    }
    assert kwargs["networking_config"] == {"avion_default": {"Aliases": ["postgres"]}}
    assert kwargs["labels"]["com.docker.compose.project"] == "avion"
    expected = "v-avion_alpha_db_password"  # pragma: allowlist secret
    assert kwargs["environment"]["AVION_ALPHA_DB_PASSWORD"] == expected
    # the one-shot job ran once the S3 server was healthy, and succeeded
    starts = [name for op, name in client.calls if op == "start"]
    assert starts.index("avion-s3-1") < starts.index("avion-s3-init-1")
    assert client.containers.get("avion-s3-init-1").status == "exited"
    assert {c: m for c, m in recorder.events if m == "done: healthy"}.keys() == {
        "postgres",
        "redis",
        "s3",
        "meilisearch",
    }
    assert all(s.state == "running" for s in backend(client).status().values())


def test_second_up_changes_nothing(client: Any) -> None:
    backend(client).up(Recorder())
    client.calls.clear()
    backend(client).up(Recorder())
    assert client.calls == []


def test_a_changed_definition_recreates_the_container_and_keeps_its_volume(client: Any) -> None:
    backend(client).up(Recorder())
    client.calls.clear()
    backend(client, {**ENV, "REDIS_PASSWORD": "rotated"}).up(Recorder())  # pragma: allowlist secret
    assert ("remove", "avion-redis-1") in client.calls
    assert ("create", "avion-redis-1") in client.calls
    assert not [c for c in client.calls if c[0] == "remove volume"]
    assert not [c for c in client.calls if c[1] == "avion-postgres-1"]
    assert "rotated" in client.containers.get("avion-redis-1").kwargs["command"]


def test_down_stops_and_status_follows(client: Any) -> None:
    docker = backend(client)
    docker.up(Recorder())
    assert sorted(docker.down()) == ["meilisearch", "postgres", "redis", "s3"]
    assert {s.state for s in docker.status().values()} == {"stopped"}
    assert docker.down() == []
    assert client.volumes.by_name  # data kept


def test_status_of_a_project_never_started(client: Any) -> None:
    statuses = backend(client).status()
    assert statuses["s3"].state == "stopped"
    assert statuses["s3"].detail == "no container"
    assert statuses["s3"].url == "http://127.0.0.1:9000"


def test_a_failing_one_shot_job_is_reported_with_its_log(client: Any) -> None:
    client.behaviour["s3-init"] = {"exit_code": 1}
    with pytest.raises(
        InfraError, match="s3-init failed with exit code 1:\nlog of avion-s3-init-1"
    ):
        backend(client).up(Recorder())


def test_a_container_that_crashes_is_reported_not_waited_for(client: Any) -> None:
    client.behaviour["redis"] = {"crash": True}
    with pytest.raises(InfraError, match="container avion-redis-1 exited; its last log lines"):
        backend(client).up(Recorder())


def test_a_container_that_never_turns_healthy_times_out(client: Any) -> None:
    client.behaviour["meilisearch"] = {"polls_until_healthy": 10**9}
    docker = backend(client)
    docker.retry = Retry(timeout=0.05, first_delay=0.01, max_delay=0.01)
    with pytest.raises(InfraError, match=r"meilisearch was not ready after 0\.05s"):
        docker.up(Recorder())


def test_reset_removes_containers_and_volumes(client: Any) -> None:
    docker = backend(client)
    docker.up(Recorder())
    removed = docker.reset()
    assert "volume avion_postgres-data" in removed
    assert client.containers.by_name == {}
    assert client.volumes.by_name == {}


def test_logs_come_from_the_component_container(client: Any) -> None:
    docker = backend(client)
    docker.up(Recorder())
    assert docker.logs("s3", 5).startswith("log of avion-s3-1")
    with pytest.raises(InfraError, match="unknown component 'kafka'"):
        docker.logs("kafka", 5)


def test_no_engine_means_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real SDK against a port nobody listens on."""
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{free_port()}")
    with pytest.raises(BackendUnavailable, match="no Docker engine answers") as caught:
        connect_docker(timeout=1)
    assert "--backend native" in (caught.value.hint or "")
