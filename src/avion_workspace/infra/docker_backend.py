"""The docker backend: the rendered docker-compose.yml run through the docker SDK for Python.

Network, named volumes and containers carry Compose's names and labels, so ``docker compose``
by hand sees the same project. A container whose definition changed is recreated (its named
volume, and so its data, is kept); one whose definition is current is left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from avion_workspace.infra.compose import (
    PROJECT_LABEL,
    SERVICE_LABEL,
    ComposeProject,
    ContainerSpec,
)
from avion_workspace.infra.errors import BackendUnavailable, InfraError
from avion_workspace.infra.probes import Retry, wait_until
from avion_workspace.infra.stack import (
    COMPONENTS,
    RUNNING,
    STOPPED,
    UNHEALTHY,
    ComponentStatus,
    Endpoints,
    Reporter,
    check_log_lines,
)

# Component name → compose service name.
SERVICES = {"postgres": "postgres", "redis": "redis", "s3": "s3", "search": "meilisearch"}
# The program each service's image runs (infra.status --json "server").
PROGRAMS = {
    "postgres": "postgres",
    "redis": "redis-server",
    "s3": "versitygw",
    "search": "meilisearch",
}
COMPONENT_OF = {service: component for component, service in SERVICES.items()}


def _logs_hint(spec: ContainerSpec) -> str:
    """``inv infra.logs`` with the component name it accepts (the component, not the container)."""
    component = COMPONENT_OF.get(spec.service)
    return f"see `inv infra.logs {component}`" if component else "see `inv infra.logs`"


CONFIG_HASH_LABEL = "com.docker.compose.config-hash"
NANOSECONDS = 1_000_000_000
# Image pulls happen before waiting; this bounds how long containers take to turn healthy.
DOCKER_RETRY = Retry(timeout=180.0)


def connect_docker(timeout: float = 2.0) -> Any:
    """A docker client whose engine answered a ping; :class:`BackendUnavailable` otherwise."""
    try:
        import docker
        import docker.errors
    except ImportError as exc:  # pragma: no cover - docker is a dependency
        raise BackendUnavailable(
            "the docker SDK for Python is not installed", hint="pip install docker"
        ) from exc
    try:
        client = docker.from_env(timeout=int(max(timeout, 1)))
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise BackendUnavailable(
            f"no Docker engine answers: {exc}",
            hint="start Docker (or set DOCKER_HOST), or use --backend native",
        ) from None
    return client


def config_hash(spec: ContainerSpec) -> str:
    return hashlib.sha256(
        json.dumps(asdict(spec), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]


def _split_image(image: str) -> tuple[str, str]:
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, "latest"
    return name, tag


def _health(container: Any) -> str:
    """``healthy``, ``unhealthy``, ``starting``, ``none`` (no healthcheck) or the container state."""
    container.reload()
    state = container.attrs.get("State", {})
    if state.get("Status") != "running":
        return str(state.get("Status", "unknown"))
    health = state.get("Health")
    return str(health.get("Status")) if health else "none"


class DockerBackend:
    name = "docker"

    def __init__(
        self,
        client: Any,
        project: ComposeProject,
        endpoints: Endpoints,
        *,
        retry: Retry = DOCKER_RETRY,
    ) -> None:
        self.client = client
        self.project = project
        self.endpoints = endpoints
        self.retry = retry

    # -- lookups -------------------------------------------------------------------------------
    def _labels(self, service: str | None = None) -> dict[str, str]:
        labels = {PROJECT_LABEL: self.project.name}
        if service is not None:
            labels[SERVICE_LABEL] = service
        return labels

    def _container(self, spec: ContainerSpec) -> Any | None:
        import docker.errors

        try:
            return self.client.containers.get(spec.name)
        except docker.errors.NotFound:
            return None

    # -- up ------------------------------------------------------------------------------------
    def _ensure_network(self) -> None:
        if not self.client.networks.list(names=[self.project.network]):
            self.client.networks.create(
                self.project.network, driver="bridge", labels=self._labels()
            )

    def _ensure_volumes(self) -> None:
        import docker.errors

        for volume in self.project.volumes:
            try:
                self.client.volumes.get(volume)
            except docker.errors.NotFound:
                self.client.volumes.create(name=volume, labels=self._labels())

    def _ensure_image(self, spec: ContainerSpec, reporter: Reporter) -> None:
        import docker.errors

        try:
            self.client.images.get(spec.image)
        except docker.errors.ImageNotFound:
            reporter.update(spec.service, f"pulling {spec.image}")
            repository, tag = _split_image(spec.image)
            try:
                self.client.images.pull(repository, tag=tag)
            except docker.errors.APIError as exc:
                raise InfraError(
                    f"cannot pull {spec.image}: {exc}", hint="check the registry is reachable"
                ) from None

    def _create(self, spec: ContainerSpec) -> Any:
        kwargs: dict[str, Any] = {
            "name": spec.name,
            "detach": True,
            "environment": dict(spec.environment),
            "labels": {**self._labels(spec.service), CONFIG_HASH_LABEL: config_hash(spec)},
            "network": self.project.network,
            "networking_config": {
                self.project.network: self.client.api.create_endpoint_config(aliases=[spec.service])
            },
            "ports": {
                f"{p.container_port}/{p.protocol}": (p.host_ip, p.host_port) for p in spec.ports
            },
            "volumes": {
                m.source: {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
                for m in spec.mounts
            },
        }
        if spec.command is not None:
            kwargs["command"] = list(spec.command)
        if spec.entrypoint is not None:
            kwargs["entrypoint"] = list(spec.entrypoint)
        if spec.healthcheck is not None:
            kwargs["healthcheck"] = {
                "test": list(spec.healthcheck.test),
                "interval": int(spec.healthcheck.interval * NANOSECONDS),
                "timeout": int(spec.healthcheck.timeout * NANOSECONDS),
                "retries": spec.healthcheck.retries,
            }
        if spec.restart != "no":
            kwargs["restart_policy"] = {"Name": spec.restart}
        return self.client.containers.create(spec.image, **kwargs)

    def _current_container(self, spec: ContainerSpec, reporter: Reporter) -> tuple[Any, bool]:
        """The container of ``spec``, (re)created when missing or outdated; (container, is new)."""
        container = self._container(spec)
        if container is not None and container.labels.get(CONFIG_HASH_LABEL) == config_hash(spec):
            return container, False
        if container is not None:
            reporter.update(spec.service, "definition changed: recreating (volume kept)")
            container.stop()
            container.remove()
        self._ensure_image(spec, reporter)
        return self._create(spec), True

    def _wait_healthy(self, spec: ContainerSpec, container: Any) -> None:
        def probe() -> None:
            health = _health(container)
            if health == "exited":
                raise InfraError(
                    f"container {spec.name} exited; its last log lines:\n{self._tail(container, 15)}",
                    hint=_logs_hint(spec),
                )
            if health not in ("healthy", "none"):
                raise ConnectionError(f"container health is {health}")

        wait_until(spec.service, probe, retry=self.retry)

    def _run_job(
        self, spec: ContainerSpec, container: Any, fresh: bool, reporter: Reporter
    ) -> None:
        container.reload()
        state = container.attrs.get("State", {})
        if not fresh and state.get("Status") == "exited" and state.get("ExitCode") == 0:
            return
        reporter.update(spec.service, "running")
        container.start()
        result = container.wait(timeout=self.retry.timeout)
        if result.get("StatusCode") != 0:
            raise InfraError(
                f"{spec.service} failed with exit code {result.get('StatusCode')}:\n{self._tail(container, 20)}",
                hint=_logs_hint(spec),
            )
        reporter.done(spec.service, "done")

    def up(self, reporter: Reporter) -> None:
        self._ensure_network()
        self._ensure_volumes()
        for spec in self.project.services:
            for dependency, condition in spec.depends_on.items():
                dep = self.project.service(dependency)
                dep_container = self._container(dep)
                if condition == "service_healthy" and dep_container is not None:
                    self._wait_healthy(dep, dep_container)
            container, fresh = self._current_container(spec, reporter)
            if spec.one_shot:
                self._run_job(spec, container, fresh, reporter)
                continue
            container.reload()
            if container.status != "running":
                reporter.update(spec.service, "starting container")
                container.start()
        for spec in self.project.services:
            if spec.one_shot:
                continue
            container = self._container(spec)
            if container is None:  # pragma: no cover - created above
                raise InfraError(f"container {spec.name} vanished while starting")
            reporter.update(spec.service, "waiting for healthcheck")
            self._wait_healthy(spec, container)
            reporter.done(spec.service, "healthy")

    # -- down, status, logs, reset ---------------------------------------------------------------
    def _project_containers(self) -> list[Any]:
        label = f"{PROJECT_LABEL}={self.project.name}"
        return list(self.client.containers.list(all=True, filters={"label": label}))

    def down(self) -> list[str]:
        stopped = []
        for container in self._project_containers():
            container.reload()
            if container.status == "running":
                container.stop()
                stopped.append(str(container.labels.get(SERVICE_LABEL, container.name)))
        return stopped

    def status(self) -> Mapping[str, ComponentStatus]:
        statuses = {}
        for component in COMPONENTS:
            spec = self.project.service(SERVICES[component])
            url = self.endpoints.url(component)
            container = self._container(spec)
            if container is None:
                statuses[component] = ComponentStatus(component, STOPPED, url, "no container")
                continue
            health = _health(container)
            if health in ("healthy", "none"):
                state, detail = RUNNING, f"container {spec.name}"
            elif health in ("starting", "unhealthy"):
                state, detail = UNHEALTHY, f"container {spec.name}: {health}"
            else:
                state, detail = STOPPED, f"container {spec.name}: {health}"
            statuses[component] = ComponentStatus(
                component, state, url, detail, PROGRAMS[component] if state == RUNNING else ""
            )
        return statuses

    def _tail(self, container: Any, lines: int) -> str:
        raw = container.logs(tail=lines)
        return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)

    def program_version(self, component: str) -> str | None:
        """The version in the service's image tag (``v1.8.0`` → ``1.8.0``)."""
        tag = _split_image(self.project.service(SERVICES[component]).image)[1]
        found = re.match(r"v?(\d+(?:\.\d+)*)", tag)
        return found.group(1) if found else None

    def logs(self, component: str, lines: int) -> str:
        service = SERVICES.get(component, component)
        try:
            spec = self.project.service(service)
        except KeyError:
            raise InfraError(
                f"unknown component {component!r}", hint=f"one of {', '.join(COMPONENTS)}"
            ) from None
        check_log_lines(lines)
        container = self._container(spec)
        if container is None:
            return ""
        return self._tail(container, lines)

    def reset(self) -> list[str]:
        import docker.errors

        removed = []
        for container in self._project_containers():
            container.remove(force=True)
            removed.append(f"container {container.name}")
        for volume in self.project.volumes:
            try:
                self.client.volumes.get(volume).remove()
            except docker.errors.NotFound:
                continue
            removed.append(f"volume {volume}")
        return removed
