"""``inv docker-build``: a service's image, built through the Docker SDK from an exact context.

The build context is not the whole workspace: it is the archive of exactly the paths the
Dockerfile copies (:func:`avion_workspace.render.services.docker_context_paths`, the same list
that writes ``Dockerfile.dockerignore``), so a build sends a few hundred kilobytes, not .venv.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.render.services import ServiceScaffold, scaffold

DEFAULT_TAG = "dev"
DEFAULT_ENGINE = "unix:///var/run/docker.sock"
# Never sent to the engine: caches and local build state (also in Dockerfile.dockerignore).
EXCLUDED_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".coverage"}
)
EXCLUDED_SUFFIXES = (".egg-info", ".pyc")


class ContainerEngineMissing(AvionError):
    """No Docker-compatible engine answers where the environment says it is."""


class ImageBuildFailed(AvionError):
    """The engine answered, and the build failed; the message has the failing step's output."""


def engine_address(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("DOCKER_HOST") or DEFAULT_ENGINE


def connect(environ: Mapping[str, str] | None = None) -> Any:
    """A docker SDK client that has talked to the engine; a precise error when none answers."""
    import docker
    from docker.errors import DockerException

    env = dict(os.environ if environ is None else environ)
    try:
        client = docker.from_env(environment=env, timeout=60)
        client.ping()
    except DockerException as exc:
        reason = " ".join(str(exc).split())
        raise ContainerEngineMissing(
            f"no container engine: cannot reach Docker at {engine_address(env)} ({reason})",
            hint=(
                "start Docker (or another engine with a Docker-compatible API) and point "
                "DOCKER_HOST at it if it is not the default; `inv build` builds the service's "
                "wheel without an engine"
            ),
        ) from None
    return client


def _excluded(path: Path) -> bool:
    return path.name in EXCLUDED_NAMES or path.name.endswith(EXCLUDED_SUFFIXES)


def _walk(root: Path, relative: str) -> Iterator[Path]:
    top = root / relative
    if not top.exists():
        raise AvionError(f"the image build needs {relative}, which does not exist")
    if top.is_file():
        yield top
        return
    for current, dirs, files in os.walk(top):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not _excluded(here / d))
        for name in sorted(files):
            if not _excluded(here / name):
                yield here / name


def context_archive(root: Path, s: ServiceScaffold) -> io.BytesIO:
    """A tar archive of the build context: the paths the Dockerfile copies, caches left out."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for relative in s.context_paths:
            for path in _walk(root, relative):
                archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
    buffer.seek(0)
    return buffer


def context_members(archive: io.BytesIO) -> list[str]:
    with tarfile.open(fileobj=archive, mode="r") as tar:
        names = tar.getnames()
    archive.seek(0)
    return names


def build_image(
    root: Path,
    platform: Platform,
    service: Service,
    *,
    tag: str = DEFAULT_TAG,
    client: Any = None,
) -> str:
    """Build ``service``'s image as ``<registry>/<service>:<tag>``; returns the reference."""
    s = scaffold(platform, service)
    reference = f"{s.image}:{tag}"
    client = client or connect()
    archive = context_archive(root, s)
    output: list[str] = []
    for chunk in client.api.build(
        fileobj=archive,
        custom_context=True,
        dockerfile=f"{s.directory}/Dockerfile",
        tag=reference,
        rm=True,
        forcerm=True,
        decode=True,
    ):
        if "stream" in chunk:
            text = str(chunk["stream"])
            output.append(text)
            print(text, end="", flush=True)
        if "error" in chunk:
            tail = "".join(output[-20:]).rstrip()
            raise ImageBuildFailed(
                f"{service.name}: docker build failed: {str(chunk['error']).strip()}"
                + (f"\n{tail}" if tail else ""),
                hint="the registries the Dockerfile pulls from (the base image, PyPI) must be reachable",
            )
    return reference


def push_image(reference: str, *, client: Any = None) -> str:
    """Push ``reference`` (``<registry>/<service>:<tag>``) to its registry; returns its digest."""
    client = client or connect()
    repository, _, tag = reference.rpartition(":")
    digest = ""
    for chunk in client.api.push(repository, tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise ImageBuildFailed(
                f"docker push {reference} failed: {str(chunk['error']).strip()}",
                hint="log in to the registry first (docker login), with push rights",
            )
        aux = chunk.get("aux") or {}
        if "Digest" in aux:
            digest = str(aux["Digest"])
    return digest
