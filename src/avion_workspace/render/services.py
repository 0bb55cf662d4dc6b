"""The service template: what the workspace generates per service, and nothing more.

A service is data plus its team's code. Its behaviour (settings, connections, probes, servers,
shutdown, migrations) is the ``avion_service`` library; the engine writes per service only:

- ``pyproject.toml`` (through a TOML serializer) and ``Dockerfile`` (+ its ``.dockerignore``);
- ``src/<package>/spec.py``: the :class:`avion_service.ServiceSpec`, its values written as Python
  literals by :func:`python_literal` (never pasted text);
- ``src/<package>/__main__.py``: ``main(SPEC, register)``, the same for every service.

The team's files (:data:`TEAM_FILES`: ``api.py``, ``domain/``, ``application/``, ``tests/``,
the README) are created once by ``inv service.new`` and never in the render plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import tomli_w
from avion_service.spec import ServiceSpec

from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.render.plan import GeneratedFile, RenderContext, stamp, template_file

SERVICES_DIR = "services"
TEMPLATES = "service"
# What generated service files name as their source: the config (the templates only format);
# nothing under services/ names the engine.
SPEC_SOURCE = "config/platform.yaml"

# The base image of every service, pinned to an explicit patch release (no digest, so that
# security rebuilds only need this line changed); its minor version follows ci.python_version.
PYTHON_IMAGE_VERSION = "3.11.14"
PYTHON_IMAGE = f"python:{PYTHON_IMAGE_VERSION}-slim-bookworm"
RUN_AS_ID = 10001  # the non-root user and group the image runs as (the charts expect it)
IMAGE_MIGRATIONS_DIR = "/app/migrations"  # avion_service.settings.IMAGE_MIGRATIONS_DIR

# Library → (distribution, libraries it depends on). A unit test checks this against
# libs/*/pyproject.toml, so the Dockerfile's build context always holds the whole closure.
LIBRARIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "errors": ("avion-errors", ()),
    "config": ("avion-config", ()),
    "logging": ("avion-logging", ("config",)),
    "telemetry": ("avion-telemetry", ("config",)),
    "ddd": ("avion-ddd", ("errors",)),
    "cqrs": ("avion-cqrs", ("ddd", "errors")),
    "grpc": ("avion-grpc", ("errors", "logging")),
    "migrate": ("avion-migrate", ()),
    "service": ("avion-service", ("config", "errors", "grpc", "logging", "migrate", "telemetry")),
}
# Every service runs on the kit.
KIT_LIBRARY = "service"
# avion-service's extras, by the part of the spec that needs them.
PART_EXTRAS = {"database": "database", "redis": "redis", "buckets": "buckets", "search": "search"}
DEV_REQUIREMENTS = (
    "grpcio-tools>=1.66,<2",  # `inv generate`: protoc for the service's proto/ folder
    "mypy>=1.10,<3",
    "pytest>=8,<10",
    "pytest-cov>=5,<8",
    "pytest-timeout>=2.3,<3",
    "types-grpcio>=1.0.0.20250318",
    "types-grpcio-reflection>=1.0.0.20250318",  # the team's tests list services by reflection
    "types-protobuf>=5",  # the team's generated stubs and well-known types
)
# Created once by ``inv service.new`` for the team: template → path below the service folder.
TEAM_FILES: Mapping[str, str] = {
    "team/README.md.j2": "README.md",
    "team/package_init.py.j2": "src/{package}/__init__.py",
    "team/py.typed.j2": "src/{package}/py.typed",
    "team/api.py.j2": "src/{package}/api.py",
    "team/domain_init.py.j2": "src/{package}/domain/__init__.py",
    "team/application_init.py.j2": "src/{package}/application/__init__.py",
    "team/test_api.py.j2": "tests/test_api.py",
}


def service_dir(name: str) -> str:
    return f"{SERVICES_DIR}/{name}"


def redis_user(service: Service) -> str:
    """The service's Redis ACL user (the local stack's and the charts' naming)."""
    return f"avion_{service.name.replace('-', '_')}"


def service_spec(service: Service) -> ServiceSpec:
    """The kit's spec of a configured service: the data its generated ``spec.py`` holds."""
    return ServiceSpec(
        name=service.name,
        package=service.package,
        description=service.description,
        http_port=service.http_port,
        grpc_port=service.grpc_port,
        database=service.database,
        database_owner=service.database_owner if service.database else None,
        redis_namespaces=tuple(service.redis_namespaces),
        redis_user=redis_user(service) if service.redis_namespaces else None,
        buckets=tuple(service.buckets),
        search=service.search,
    )


def library_closure(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` and every library they depend on, dependencies first, otherwise by name."""
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name not in LIBRARIES:
            raise AvionError(f"unknown library {name!r}", hint=f"libraries: {', '.join(LIBRARIES)}")
        if name in trail:
            raise AvionError(f"library dependency cycle: {' -> '.join((*trail, name))}")
        for dependency in sorted(LIBRARIES[name][1]):
            visit(dependency, (*trail, name))
        ordered.append(name)

    for name in sorted(set(names)):
        visit(name, ())
    return tuple(ordered)


@dataclass(frozen=True)
class ServiceScaffold:
    """Everything the generated files of one service need, derived from the model."""

    service: Service
    spec: ServiceSpec
    python_version: str
    image: str
    python_image: str
    libraries: tuple[str, ...]  # the closure, in dependency-safe order

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def package(self) -> str:
        return self.service.package

    @property
    def directory(self) -> str:
        return service_dir(self.service.name)

    @property
    def uses_database(self) -> bool:
        return self.service.database is not None

    @property
    def context_paths(self) -> tuple[str, ...]:
        """What the image build reads from the workspace root (and nothing else)."""
        return docker_context_paths(self)

    @property
    def dependencies(self) -> list[str]:
        """The project's dependencies: its libraries, the kit with the extras its parts need, and
        the third-party requirements its team declares (``requirements`` in the config)."""
        extras = ",".join(PART_EXTRAS[part] for part in self.spec.parts)
        kit = LIBRARIES[KIT_LIBRARY][0] + (f"[{extras}]" if extras else "")
        own = sorted(
            {LIBRARIES[lib][0] for lib in self.service.libraries} - {LIBRARIES[KIT_LIBRARY][0]}
        )
        return [kit, *own, *sorted(self.service.requirements, key=str.lower)]


def scaffold(platform: Platform, service: Service) -> ServiceScaffold:
    """The derived values of ``service``."""
    if platform.python_version != PYTHON_IMAGE_VERSION.rsplit(".", 1)[0]:
        raise AvionError(
            f"the service image's Python {PYTHON_IMAGE_VERSION} does not match "
            f"platform.python_version {platform.python_version}",
            hint="change PYTHON_IMAGE_VERSION in avion_workspace/render/services.py with it",
        )
    return ServiceScaffold(
        service=service,
        spec=service_spec(service),
        python_version=platform.python_version,
        image=platform.image(service.name),
        python_image=PYTHON_IMAGE,
        libraries=library_closure((*service.libraries, KIT_LIBRARY)),
    )


def docker_context_paths(scaffold: ServiceScaffold) -> tuple[str, ...]:
    """Paths below the workspace root that the image build copies (the Dockerfile's COPYs)."""
    return ("libs", scaffold.directory)


# -- Python literals ------------------------------------------------------------------------


LINE_LENGTH = 100  # ruff's, for the generated Python's layout


def python_string(text: str) -> str:
    """``text`` as a double-quoted Python literal (ruff format's quotes); ``ast`` reads it back."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def python_literal(value: Any, indent: int = 0, *, room: int = LINE_LENGTH) -> str:
    """Plain data (str, int, bool, None, tuples of them) as Python source, laid out as ruff
    format lays it out: a tuple stays on one line when it fits in ``room``, else one item a line.
    """
    if isinstance(value, str):
        return python_string(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, tuple):
        items = [python_literal(item, indent + 4) for item in value]
        if len(items) == 1:
            return f"({items[0]},)"
        inline = "(" + ", ".join(items) + ")"
        if len(inline) <= room and "\n" not in inline:
            return inline
        pad = " " * (indent + 4)
        return "(\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + ")"
    raise TypeError(f"not plain data: {value!r}")


SPEC_FIELDS = (
    "name",
    "package",
    "description",
    "http_port",
    "grpc_port",
    "database",
    "database_owner",
    "redis_namespaces",
    "redis_user",
    "buckets",
    "search",
)


def spec_module(spec: ServiceSpec) -> str:
    """The body of a service's ``spec.py``: the spec as keyword arguments of Python literals."""
    arguments = ""
    for field in SPEC_FIELDS:
        lead = f"    {field}="
        value = python_literal(getattr(spec, field), 4, room=LINE_LENGTH - len(lead) - 1)
        arguments += f"{lead}{value},\n"
    return (
        '"""This service\'s spec: plain data the service kit (avion_service) runs."""\n\n'
        "from avion_service.spec import ServiceSpec\n\n"
        f"SPEC = ServiceSpec(\n{arguments})\n"
    )


MAIN_MODULE = """from avion_service import main

from .api import register
from .spec import SPEC

if __name__ == "__main__":
    raise SystemExit(main(SPEC, register))
"""


# -- pyproject.toml -----------------------------------------------------------------------


def pyproject(s: ServiceScaffold) -> dict[str, Any]:
    """The service's ``pyproject.toml`` as data (tomli-w writes it)."""
    return {
        "build-system": {"requires": ["setuptools>=69"], "build-backend": "setuptools.build_meta"},
        "project": {
            "name": s.package.replace("_", "-"),
            "version": "0.1.0",
            "description": s.service.description,
            "requires-python": f">={s.python_version}",
            "license": {"text": "Proprietary"},
            "dependencies": s.dependencies,
            "optional-dependencies": {"dev": list(DEV_REQUIREMENTS)},
        },
        "tool": {
            "setuptools": {
                "packages": {"find": {"where": ["src"]}},
                "package-data": {s.package: ["py.typed"]},
            },
            "ruff": {"extend": "../../pyproject.toml", "src": ["src"]},
            "pytest": {
                "ini_options": {
                    "testpaths": ["tests"],
                    "addopts": ["-ra", "--strict-markers", "--import-mode=importlib"],
                    "filterwarnings": ["error"],
                }
            },
            # The package, not src/: src/avion/ holds the gRPC stubs of `inv proto.gen` (a
            # namespace package mypy would misname from the folder); imports reach them.
            "mypy": {"strict": True, "files": [f"src/{s.package}", "tests"]},
        },
    }


def service_files(platform: Platform, service: Service) -> list[GeneratedFile]:
    """The generated files of one service (what the renderer plans for it)."""
    return list(_files(scaffold(platform, service)))


def _files(s: ServiceScaffold) -> Iterable[GeneratedFile]:
    base = s.directory
    package = f"{base}/src/{s.package}"
    values: dict[str, Any] = {
        "s": s,
        "run_as": RUN_AS_ID,
        "image_migrations_dir": IMAGE_MIGRATIONS_DIR,
    }
    for template, path in (
        ("Dockerfile.j2", f"{base}/Dockerfile"),
        ("Dockerfile.dockerignore.j2", f"{base}/Dockerfile.dockerignore"),
    ):
        yield template_file(path, f"{TEMPLATES}/{template}", SPEC_SOURCE, **values)
    toml_path = f"{base}/pyproject.toml"
    yield GeneratedFile(
        toml_path, stamp(toml_path, tomli_w.dumps(pyproject(s)), SPEC_SOURCE), SPEC_SOURCE
    )
    spec_path = f"{package}/spec.py"
    yield GeneratedFile(spec_path, stamp(spec_path, spec_module(s.spec), SPEC_SOURCE), SPEC_SOURCE)
    main_path = f"{package}/__main__.py"
    yield GeneratedFile(main_path, stamp(main_path, MAIN_MODULE, SPEC_SOURCE), SPEC_SOURCE)


def service_scaffolding(context: RenderContext) -> Iterable[GeneratedFile]:
    """Every configured service's generated files (the team's files are not here)."""
    platform = context.local
    for service in platform.services.values():
        yield from _files(scaffold(platform, service))


def team_paths(service: Service) -> dict[str, str]:
    """``{template: path below the workspace root}`` of the team's files, without rendering."""
    directory = PurePosixPath(service_dir(service.name))
    return {
        template: str(directory / relative.format(package=service.package))
        for template, relative in TEAM_FILES.items()
    }


def team_files(platform: Platform, service: Service) -> dict[str, bytes]:
    """The files created once for the team: ``{path below the workspace root: content}``.

    Not stamped as generated, and not in the render plan: the writer never touches them.
    """
    from avion_workspace.render.plan import render_template

    s = scaffold(platform, service)
    return {
        path: render_template(f"{TEMPLATES}/{template}", s=s).encode("utf-8")
        for template, path in team_paths(service).items()
    }
