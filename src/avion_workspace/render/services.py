"""The service template: each configured service's generated scaffolding, decided here.

What a service gets (its third-party requirements, the libraries its image installs, its settings'
variable names, its Dockerfile's build context) is computed from the platform model in this module,
so tests see every decision; the templates under ``templates/service/`` only format.

Two kinds of files make a service:

- generated and owned by the workspace (this renderer): packaging (``pyproject.toml``,
  ``Dockerfile``), the package entry point, and ``<package>/runtime/`` (settings, connections,
  readiness, the HTTP probe app, the gRPC server wiring, the CLI) with their tests. They are
  rewritten by ``inv render`` and drift-checked.
- created once for the team (:data:`TEAM_FILES`, written by ``inv service.new`` only and never in
  the render plan): the package ``__init__``, the gRPC API hook ``api.py``, the domain and
  application packages, and the README. The writer never touches them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.render.plan import GeneratedFile, RenderContext, template_file

SERVICES_DIR = "services"
TEMPLATES = "service"
TEMPLATE_SOURCE = "src/avion_workspace/render/templates/service"

# The base image of every service, pinned to an explicit patch release (no digest, so that
# security rebuilds only need this line changed); its minor version follows ci.python_version.
PYTHON_IMAGE_VERSION = "3.11.14"
PYTHON_IMAGE = f"python:{PYTHON_IMAGE_VERSION}-slim-bookworm"
RUN_AS_ID = 10001  # the non-root user and group the image runs as (the charts expect it)
IMAGE_MIGRATIONS_DIR = "/app/migrations"

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
}
# The libraries the generated runtime itself imports; a service must list them.
RUNTIME_LIBRARIES = ("config", "logging", "telemetry", "grpc")

# Third-party requirements of the generated runtime, by what the service uses.
BASE_REQUIREMENTS = (
    "grpcio>=1.66,<2",
    "grpcio-health-checking>=1.66,<2",
    "opentelemetry-api>=1.45,<2",
    "prometheus-client>=0.21,<1",
    "uvicorn>=0.30,<1",
)
DATABASE_REQUIREMENTS = ("psycopg[binary]>=3.2,<4", "psycopg-pool>=3.2,<4")
REDIS_REQUIREMENTS = ("redis>=5.0,<9",)
BUCKET_REQUIREMENTS = ("botocore>=1.34,<2",)
SEARCH_REQUIREMENTS = ("httpx>=0.27,<1",)
DEV_REQUIREMENTS = (
    "grpcio-tools>=1.66,<2",  # `inv generate`: protoc for the service's proto/ folder
    "pytest>=8,<10",
    "pytest-cov>=5,<8",
    "pytest-timeout>=2.3,<3",
    "mypy>=1.10,<3",
    "types-grpcio>=1.0.0.20250318",
    "types-grpcio-health-checking>=1.0.0.20250318",
    "types-protobuf>=5",
)
BUCKET_DEV_REQUIREMENTS = ("botocore-stubs>=1.34", "mypy-boto3-s3>=1.34")

# Files of the generated runtime package: template name → path below ``src/<package>/``.
RUNTIME_MODULES = (
    "__init__.py",
    "settings.py",
    "resources.py",
    "readiness.py",
    "http.py",
    "server.py",
    "migrations.py",
    "cli.py",
)
RUNTIME_TESTS = (
    "test_runtime_settings.py",
    "test_runtime_http.py",
    "test_runtime_cli.py",
)
# Created once by ``inv service.new`` for the team: template → path below the service folder.
TEAM_FILES: Mapping[str, str] = {
    "team/README.md.j2": "README.md",
    "team/package_init.py.j2": "src/{package}/__init__.py",
    "team/api.py.j2": "src/{package}/api.py",
    "team/domain_init.py.j2": "src/{package}/domain/__init__.py",
    "team/application_init.py.j2": "src/{package}/application/__init__.py",
}


@dataclass(frozen=True)
class SettingVar:
    """One environment variable the service reads (its settings class declares the same).

    ``example`` is set for the required ones (no default): a value the generated tests use.
    """

    name: str
    secret: bool
    description: str
    example: str | None = None

    @property
    def required(self) -> bool:
        return self.example is not None


@dataclass(frozen=True)
class ServiceScaffold:
    """Everything the templates of one service need, derived from the model."""

    service: Service
    platform_name: str
    python_version: str
    image: str
    python_image: str
    libraries: tuple[str, ...]  # the closure, in dependency-safe order
    distributions: tuple[str, ...]
    requirements: tuple[str, ...]
    dev_requirements: tuple[str, ...]
    buckets: tuple[str, ...]
    settings: tuple[SettingVar, ...]
    readiness_checks: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def package(self) -> str:
        return self.service.package

    @property
    def prefix(self) -> str:
        """The settings' variable prefix, with its underscore: ``AUTH_``."""
        return self.service.env_prefix + "_"

    @property
    def directory(self) -> str:
        return service_dir(self.service.name)

    @property
    def uses_database(self) -> bool:
        return self.service.database is not None

    @property
    def uses_redis(self) -> bool:
        return bool(self.service.redis_namespaces)

    @property
    def uses_buckets(self) -> bool:
        return bool(self.buckets)

    @property
    def uses_search(self) -> bool:
        return self.service.search

    @property
    def redis_user(self) -> str:
        return redis_user(self.service)

    @property
    def service_python(self) -> str:
        return self.python_version

    @property
    def has_secrets(self) -> bool:
        return any(var.secret for var in self.settings)

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(var.name for var in self.settings if var.secret)

    @property
    def required_env(self) -> dict[str, str]:
        return {var.name: var.example for var in self.settings if var.example is not None}

    # Python literals for the templates, in the layout ruff format keeps (magic trailing commas).
    @property
    def buckets_literal(self) -> str:
        return python_tuple(self.buckets)

    @property
    def readiness_checks_literal(self) -> str:
        return python_tuple(self.readiness_checks)

    @property
    def setting_names_literal(self) -> str:
        return python_tuple(var.name for var in self.settings)

    @property
    def required_names_literal(self) -> str:
        return python_tuple(self.required_env)

    @property
    def secret_names_literal(self) -> str:
        return python_tuple(self.secret_names)

    @property
    def required_env_literal(self) -> str:
        # Example values, not secrets: secret settings are marked so detect-secrets passes them.
        items = "".join(
            f"    {_quote(v.name)}: {_quote(v.example)},"
            + ("  # pragma: allowlist secret" if v.secret else "")
            + "\n"
            for v in self.settings
            if v.example is not None
        )
        return "{\n" + items + "}" if items else "{}"

    @property
    def context_paths(self) -> tuple[str, ...]:
        """What the image build reads from the workspace root (and nothing else)."""
        return docker_context_paths(self)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def python_tuple(items: Iterable[str], *, inline: bool = False) -> str:
    """A tuple of strings as ruff formats it: inline, or one item per line (trailing comma)."""
    values = [_quote(item) for item in items]
    if not values:
        return "()"
    if len(values) == 1:  # ruff keeps a one-item tuple on one line, trailing comma or not
        return f"({values[0]},)"
    if inline:
        return "(" + ", ".join(values) + ")"
    return "(\n" + "".join(f"    {value},\n" for value in values) + ")"


def service_dir(name: str) -> str:
    return f"{SERVICES_DIR}/{name}"


def redis_user(service: Service) -> str:
    """The service's Redis ACL user (the local stack's and the charts' naming)."""
    return f"avion_{service.name.replace('-', '_')}"


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


def settings_vars(service: Service) -> tuple[SettingVar, ...]:
    """The service's environment variables, in the order its settings class declares them.

    Kubernetes (the charts) and ``inv run`` must set the required ones; secrets may instead come
    from ``<NAME>_FILE`` or ``/run/secrets/<name lowercased>`` (the config library's rule).
    Telemetry's standard ``OTEL_*`` variables come on top (avion_telemetry.TelemetrySettings).
    """
    p = service.env_prefix + "_"
    out = [
        SettingVar(f"{p}ENVIRONMENT", False, "local, staging or production"),
        SettingVar(f"{p}HOST", False, "interface the HTTP and gRPC servers listen on"),
        SettingVar(f"{p}HTTP_PORT", False, "HTTP port: /healthz, /readyz, /metrics"),
        SettingVar(f"{p}GRPC_PORT", False, "gRPC port"),
        SettingVar(f"{p}LOG_LEVEL", False, "lowest level logged"),
        SettingVar(f"{p}LOG_FORMAT", False, "json or console"),
        SettingVar(f"{p}SHUTDOWN_GRACE_SECONDS", False, "time calls in flight get on SIGTERM"),
        SettingVar(f"{p}READINESS_TIMEOUT_SECONDS", False, "time each dependency check gets"),
        SettingVar(f"{p}READINESS_INTERVAL_SECONDS", False, "how often gRPC health is refreshed"),
    ]
    if service.database is not None:
        out += [
            SettingVar(f"{p}MIGRATIONS_DIR", False, "goose migrations folder"),
            SettingVar(f"{p}DATABASE_HOST", False, "PostgreSQL host", "db.example"),
            SettingVar(f"{p}DATABASE_PORT", False, "PostgreSQL port"),
            SettingVar(f"{p}DATABASE_NAME", False, "the service's database"),
            SettingVar(f"{p}DATABASE_USER", False, "the database's owner role"),
            SettingVar(f"{p}DATABASE_PASSWORD", True, "the owner role's password", "db-secret-1"),
            SettingVar(f"{p}DATABASE_SSLMODE", False, "libpq sslmode"),
            SettingVar(f"{p}DATABASE_POOL_MAX_SIZE", False, "most connections held"),
        ]
    if service.redis_namespaces:
        out += [
            SettingVar(
                f"{p}REDIS_HOST",
                False,
                "Redis host (a Sentinel's with a master set)",
                "redis.example",
            ),
            SettingVar(f"{p}REDIS_PORT", False, "Redis (or Sentinel) port"),
            SettingVar(f"{p}REDIS_MASTER_SET", False, "Sentinel master set; unset: no Sentinel"),
            SettingVar(f"{p}REDIS_USER", False, "the service's Redis ACL user"),
            SettingVar(f"{p}REDIS_PASSWORD", True, "the ACL user's password", "redis-secret-2"),
        ]
    if service.buckets:
        out += [
            SettingVar(f"{p}S3_ENDPOINT", False, "S3 endpoint URL (unset: AWS)"),
            SettingVar(f"{p}S3_REGION", False, "S3 region"),
            SettingVar(f"{p}S3_BUCKETS", False, "buckets the service uses (comma-separated)"),
            SettingVar(f"{p}S3_ACCESS_KEY", True, "S3 access key id", "s3-key-3"),
            SettingVar(f"{p}S3_SECRET_KEY", True, "S3 secret access key", "s3-secret-4"),
        ]
    if service.search:
        out += [
            SettingVar(f"{p}SEARCH_URL", False, "Meilisearch URL", "http://search.example:7700"),
            SettingVar(f"{p}SEARCH_API_KEY", True, "Meilisearch API key", "search-secret-5"),
        ]
    return tuple(out)


def readiness_checks(service: Service) -> tuple[str, ...]:
    """The dependencies ``/readyz`` checks, by name, in the order it reports them."""
    checks = []
    if service.database is not None:
        checks.append("database")
    if service.redis_namespaces:
        checks.append("redis")
    if service.buckets:
        checks.append("buckets")
    if service.search:
        checks.append("search")
    return tuple(checks)


def requirements(service: Service) -> tuple[str, ...]:
    out = list(BASE_REQUIREMENTS)
    if service.database is not None:
        out += DATABASE_REQUIREMENTS
    if service.redis_namespaces:
        out += REDIS_REQUIREMENTS
    if service.buckets:
        out += BUCKET_REQUIREMENTS
    if service.search:
        out += SEARCH_REQUIREMENTS
    out += service.requirements
    return tuple(sorted(out, key=str.lower))


def scaffold(platform: Platform, service: Service) -> ServiceScaffold:
    """The derived values of ``service``; a service missing a runtime library is refused."""
    missing = [lib for lib in RUNTIME_LIBRARIES if lib not in service.libraries]
    if missing:
        raise AvionError(
            f"service {service.name!r} does not list the libraries {', '.join(missing)}, "
            "which the service template's runtime needs",
            hint=f"add them to $.services.{service.name}.libraries in config/platform.yaml",
        )
    if platform.python_version != PYTHON_IMAGE_VERSION.rsplit(".", 1)[0]:
        raise AvionError(
            f"the service image's Python {PYTHON_IMAGE_VERSION} does not match "
            f"platform.python_version {platform.python_version}",
            hint="change PYTHON_IMAGE_VERSION in avion_workspace/render/services.py with it",
        )
    libraries = library_closure(service.libraries)
    dev = list(DEV_REQUIREMENTS)
    if service.buckets:
        dev += BUCKET_DEV_REQUIREMENTS
    return ServiceScaffold(
        service=service,
        platform_name=platform.name,
        python_version=platform.python_version,
        image=platform.image(service.name),
        python_image=PYTHON_IMAGE,
        libraries=libraries,
        distributions=tuple(LIBRARIES[lib][0] for lib in libraries),
        requirements=requirements(service),
        dev_requirements=tuple(sorted(dev, key=str.lower)),
        buckets=service.buckets,
        settings=settings_vars(service),
        readiness_checks=readiness_checks(service),
    )


def docker_context_paths(scaffold: ServiceScaffold) -> tuple[str, ...]:
    """Paths below the workspace root that the image build copies (the Dockerfile's COPYs)."""
    paths = ["pyproject.toml", "README.md", "src/avion_workspace"]
    paths += [f"libs/{lib}" for lib in scaffold.libraries]
    paths.append(scaffold.directory)
    return tuple(paths)


def service_files(platform: Platform, service: Service) -> list[GeneratedFile]:
    """The generated files of one service (what the renderer plans for it)."""
    return list(_files(scaffold(platform, service)))


def _files(scaffold: ServiceScaffold) -> Iterable[GeneratedFile]:
    base = scaffold.directory
    package = f"{base}/src/{scaffold.package}"
    values: dict[str, Any] = {
        "s": scaffold,
        "run_as": RUN_AS_ID,
        "image_migrations_dir": IMAGE_MIGRATIONS_DIR,
    }
    for template, path in (
        ("pyproject.toml.j2", f"{base}/pyproject.toml"),
        ("Dockerfile.j2", f"{base}/Dockerfile"),
        ("Dockerfile.dockerignore.j2", f"{base}/Dockerfile.dockerignore"),
        ("main.py.j2", f"{package}/__main__.py"),
        ("py.typed.j2", f"{package}/py.typed"),
    ):
        yield template_file(path, f"{TEMPLATES}/{template}", TEMPLATE_SOURCE, **values)
    for module in RUNTIME_MODULES:
        if module == "migrations.py" and not scaffold.uses_database:
            continue  # no database, no `migrate` subcommand
        template = f"{TEMPLATES}/runtime/{module}.j2"
        yield template_file(f"{package}/runtime/{module}", template, TEMPLATE_SOURCE, **values)
    for test in RUNTIME_TESTS:
        template = f"{TEMPLATES}/tests/{test}.j2"
        yield template_file(f"{base}/tests/{test}", template, TEMPLATE_SOURCE, **values)


def service_scaffolding(context: RenderContext) -> Iterable[GeneratedFile]:
    """Every configured service's generated scaffolding (the team's files are not here)."""
    platform = context.local
    for service in platform.services.values():
        yield from _files(scaffold(platform, service))


def team_files(platform: Platform, service: Service) -> dict[str, bytes]:
    """The files created once for the team: ``{path below the workspace root: content}``.

    Not stamped as generated, and not in the render plan: the writer never touches them.
    """
    from avion_workspace.render.plan import render_template

    s = scaffold(platform, service)
    out: dict[str, bytes] = {}
    for template, relative in TEAM_FILES.items():
        path = PurePosixPath(s.directory) / relative.format(package=s.package)
        body = render_template(f"{TEMPLATES}/{template}", s=s)
        out[str(path)] = body.encode("utf-8")
    return out
