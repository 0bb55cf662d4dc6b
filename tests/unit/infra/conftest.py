"""A stand-in for ``docker.DockerClient`` implementing just the SDK calls the docker backend makes.

No Docker engine runs on these machines, so the docker backend is tested at the SDK boundary:
this fake keeps containers, volumes, networks and images as plain state, simulates healthchecks
turning healthy after a few polls, and records every call that changes something.
"""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest


class FakeContainer:
    def __init__(self, client: FakeDockerClient, image: str, kwargs: dict[str, Any]) -> None:
        self.client = client
        self.image = image
        self.kwargs = kwargs
        self.name: str = kwargs["name"]
        self.labels: dict[str, str] = dict(kwargs.get("labels", {}))
        self.status = "created"
        self.exit_code = 0
        self.polls_until_healthy = 0
        self.attrs: dict[str, Any] = {}
        self._refresh()

    @property
    def service(self) -> str:
        return self.labels.get("com.docker.compose.service", self.name)

    def _refresh(self) -> None:
        state: dict[str, Any] = {"Status": self.status, "ExitCode": self.exit_code}
        if self.status == "running" and "healthcheck" in self.kwargs:
            state["Health"] = {"Status": "healthy" if self.polls_until_healthy <= 0 else "starting"}
        self.attrs = {"State": state}

    def reload(self) -> None:
        if self.status == "running":
            self.polls_until_healthy -= 1
        self._refresh()

    def start(self) -> None:
        self.client.calls.append(("start", self.name))
        behaviour = self.client.behaviour.get(self.service, {})
        if "healthcheck" not in self.kwargs and not self.kwargs.get("ports"):
            self.status, self.exit_code = "exited", behaviour.get("exit_code", 0)
        elif behaviour.get("crash"):
            self.status, self.exit_code = "exited", 1
        else:
            self.status = "running"
            self.polls_until_healthy = behaviour.get("polls_until_healthy", 2)
        self._refresh()

    def stop(self) -> None:
        self.client.calls.append(("stop", self.name))
        self.status = "exited"
        self._refresh()

    def remove(self, force: bool = False) -> None:
        self.client.calls.append(("remove", self.name))
        del self.client.containers.by_name[self.name]

    def wait(self, timeout: float | None = None) -> dict[str, int]:
        return {"StatusCode": self.exit_code}

    def logs(self, tail: int | str = "all") -> bytes:
        return f"log of {self.name}\nlast line\n".encode()


class FakeContainers:
    def __init__(self, client: FakeDockerClient) -> None:
        self.client = client
        self.by_name: dict[str, FakeContainer] = {}

    def get(self, name: str) -> FakeContainer:
        try:
            return self.by_name[name]
        except KeyError:
            raise docker.errors.NotFound(f"No such container: {name}") from None

    def create(self, image: str, **kwargs: Any) -> FakeContainer:
        if kwargs["name"] in self.by_name:
            raise docker.errors.APIError(f"Conflict: name {kwargs['name']} in use")
        if image not in self.client.images.present:
            raise docker.errors.ImageNotFound(image)
        self.client.calls.append(("create", kwargs["name"]))
        container = FakeContainer(self.client, image, kwargs)
        self.by_name[container.name] = container
        return container

    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[FakeContainer]:
        key, _, value = (filters or {}).get("label", "=").partition("=")
        found = [c for c in self.by_name.values() if not key or c.labels.get(key) == value]
        return found if all else [c for c in found if c.status == "running"]


class FakeVolume:
    def __init__(self, client: FakeDockerClient, name: str) -> None:
        self.client, self.name = client, name

    def remove(self) -> None:
        self.client.calls.append(("remove volume", self.name))
        del self.client.volumes.by_name[self.name]


class FakeVolumes:
    def __init__(self, client: FakeDockerClient) -> None:
        self.client = client
        self.by_name: dict[str, FakeVolume] = {}

    def get(self, name: str) -> FakeVolume:
        try:
            return self.by_name[name]
        except KeyError:
            raise docker.errors.NotFound(f"no such volume: {name}") from None

    def create(self, name: str, labels: dict[str, str] | None = None) -> FakeVolume:
        self.client.calls.append(("create volume", name))
        self.by_name[name] = FakeVolume(self.client, name)
        return self.by_name[name]


class FakeNetworks:
    def __init__(self, client: FakeDockerClient) -> None:
        self.client = client
        self.names: set[str] = set()

    def list(self, names: list[str] | None = None) -> list[str]:
        return [n for n in self.names if names is None or n in names]

    def create(
        self, name: str, driver: str = "bridge", labels: dict[str, str] | None = None
    ) -> str:
        self.client.calls.append(("create network", name))
        self.names.add(name)
        return name


class FakeImages:
    def __init__(self, client: FakeDockerClient) -> None:
        self.client = client
        self.present: set[str] = set()

    def get(self, name: str) -> str:
        if name not in self.present:
            raise docker.errors.ImageNotFound(f"No such image: {name}")
        return name

    def pull(self, repository: str, tag: str | None = None) -> str:
        self.client.calls.append(("pull", f"{repository}:{tag}"))
        self.present.add(f"{repository}:{tag}")
        return repository


class FakeAPI:
    def create_endpoint_config(self, **kwargs: Any) -> dict[str, Any]:
        return {"Aliases": kwargs.get("aliases")}


class FakeDockerClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.behaviour: dict[str, dict[str, Any]] = {}
        self.containers = FakeContainers(self)
        self.volumes = FakeVolumes(self)
        self.networks = FakeNetworks(self)
        self.images = FakeImages(self)
        self.api = FakeAPI()

    def ping(self) -> bool:
        return True


@pytest.fixture
def fake_docker() -> FakeDockerClient:
    return FakeDockerClient()
