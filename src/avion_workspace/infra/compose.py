"""The rendered docker-compose.yml read as container specifications (pure: text in, specs out).

Only the parts of the Compose specification the generated file uses are understood; anything
else is rejected by name so the file and this reader cannot drift apart silently. Names follow
Compose's own conventions (``<project>-<service>-1``, ``<project>_default``, ``<project>_<volume>``)
so ``docker compose`` by hand and ``inv setup --backend docker`` manage the same containers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from avion_workspace.infra.errors import InfraError

COMPOSE_FILE = "docker-compose.yml"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"

_KNOWN_SERVICE_KEYS = {
    "image",
    "command",
    "entrypoint",
    "environment",
    "ports",
    "volumes",
    "healthcheck",
    "depends_on",
    "restart",
}
_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[?\-])(?P<arg>[^}]*))?\})"
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


@dataclass(frozen=True)
class HealthCheck:
    test: tuple[str, ...]
    interval: float
    timeout: float
    retries: int


@dataclass(frozen=True)
class PortBinding:
    host_ip: str
    host_port: int
    container_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class Mount:
    source: str  # a full volume name, or an absolute host path for a bind mount
    target: str
    read_only: bool
    is_volume: bool


@dataclass(frozen=True)
class ContainerSpec:
    service: str
    name: str
    image: str
    command: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    environment: Mapping[str, str]
    ports: tuple[PortBinding, ...]
    mounts: tuple[Mount, ...]
    healthcheck: HealthCheck | None
    depends_on: Mapping[str, str]  # service -> condition
    restart: str

    @property
    def one_shot(self) -> bool:
        """A job that runs to completion (a one-off init step): no ports, no healthcheck."""
        return not self.ports and self.healthcheck is None


@dataclass(frozen=True)
class ComposeProject:
    name: str
    network: str
    volumes: tuple[str, ...]
    services: tuple[ContainerSpec, ...]  # dependencies first

    def service(self, name: str) -> ContainerSpec:
        for spec in self.services:
            if spec.service == name:
                return spec
        raise KeyError(name)

    def with_host_ports(self, remap: Mapping[int, int]) -> ComposeProject:
        """The project with published host ports moved (``{committed: this machine's}``)."""
        if not remap:
            return self
        services = tuple(
            replace(
                spec,
                ports=tuple(
                    replace(b, host_port=remap.get(b.host_port, b.host_port)) for b in spec.ports
                ),
            )
            for spec in self.services
        )
        return replace(self, services=services)


def interpolate(value: str, env: Mapping[str, str], where: str) -> str:
    """Compose variable substitution: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:?err}``, ``${VAR:-default}``."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["plain"] or match["name"]
        op, arg = match["op"], match["arg"] or ""
        current = env.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":?", "?") and missing:
            raise InfraError(
                f"{where}: ${name} is not set: {arg or 'required'}",
                hint="run `inv setup` to generate .env",
            )
        if op in (":-", "-") and missing:
            return arg
        return current or ""

    return _VAR.sub(replace, value)


def parse_duration(text: str) -> float:
    """``2s``, ``1m30s``, ``500ms`` → seconds."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InfraError(f"not a Compose duration: {text!r}")
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in parts)


def _walk(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):
        return interpolate(value, env, where)
    if isinstance(value, list):
        return [_walk(v, env, where) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, env, f"{where}.{k}") for k, v in value.items()}
    return value


def _argv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return ("/bin/sh", "-c", value)
    return tuple(str(v) for v in value)


def _port(text: str) -> PortBinding:
    spec, _, protocol = str(text).partition("/")
    parts = spec.split(":")
    if len(parts) == 3:
        return PortBinding(parts[0], int(parts[1]), int(parts[2]), protocol or "tcp")
    if len(parts) == 2:
        return PortBinding("0.0.0.0", int(parts[0]), int(parts[1]), protocol or "tcp")  # noqa: S104
    raise InfraError(f"unsupported port mapping {text!r}: use HOST_IP:HOST:CONTAINER")


def _mount(text: str, project: str, project_dir: Path, volumes: set[str]) -> Mount:
    parts = str(text).split(":")
    source, target = parts[0], parts[1]
    read_only = len(parts) > 2 and "ro" in parts[2].split(",")
    if source in volumes:
        return Mount(f"{project}_{source}", target, read_only, is_volume=True)
    if source.startswith((".", "/")):
        return Mount(str((project_dir / source).resolve()), target, read_only, is_volume=False)
    raise InfraError(f"volume {source!r} is not declared under volumes:")


def _healthcheck(raw: Mapping[str, Any] | None) -> HealthCheck | None:
    if raw is None:
        return None
    test = raw["test"]
    argv = ("CMD-SHELL", test) if isinstance(test, str) else tuple(str(t) for t in test)
    return HealthCheck(
        test=argv,
        interval=parse_duration(raw.get("interval", "30s")),
        timeout=parse_duration(raw.get("timeout", "30s")),
        retries=int(raw.get("retries", 3)),
    )


def _depends(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        return {str(name): "service_started" for name in raw}
    return {str(name): str(spec.get("condition", "service_started")) for name, spec in raw.items()}


def _ordered(specs: dict[str, ContainerSpec]) -> tuple[ContainerSpec, ...]:
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise InfraError(f"dependency cycle through service {name!r}")
        if name not in specs:
            raise InfraError(f"depends_on names unknown service {name!r}")
        visiting.add(name)
        for dep in specs[name].depends_on:
            visit(dep)
        visiting.discard(name)
        done.append(name)

    for name in specs:
        visit(name)
    return tuple(specs[n] for n in done)


def load_compose(text: str, env: Mapping[str, str], project_dir: Path) -> ComposeProject:
    """The project the compose text defines, with ``env`` substituted (the values of ``.env``)."""
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or "services" not in raw:
        raise InfraError(f"{COMPOSE_FILE} has no services", hint="run `inv render`")
    project = str(raw.get("name") or project_dir.name)
    declared = set((raw.get("volumes") or {}).keys())
    specs = {}
    for service, body in raw["services"].items():
        unknown = sorted(set(body) - _KNOWN_SERVICE_KEYS)
        if unknown:
            raise InfraError(
                f"{COMPOSE_FILE}: services.{service}: unsupported keys {', '.join(unknown)}"
            )
        body = _walk(body, env, f"services.{service}")
        environment = body.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        specs[service] = ContainerSpec(
            service=service,
            name=f"{project}-{service}-1",
            image=str(body["image"]),
            command=_argv(body.get("command")),
            entrypoint=_argv(body.get("entrypoint")),
            environment={str(k): str(v) for k, v in environment.items()},
            ports=tuple(_port(p) for p in body.get("ports", ())),
            mounts=tuple(
                _mount(v, project, project_dir, declared) for v in body.get("volumes", ())
            ),
            healthcheck=_healthcheck(body.get("healthcheck")),
            depends_on=_depends(body.get("depends_on")),
            restart="no" if body.get("restart", "no") in ("no", False) else str(body["restart"]),
        )
    return ComposeProject(
        name=project,
        network=f"{project}_default",
        volumes=tuple(f"{project}_{v}" for v in sorted(declared)),
        services=_ordered(specs),
    )
