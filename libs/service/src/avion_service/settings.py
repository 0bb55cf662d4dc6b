"""A service's settings, derived from its spec: ``<PREFIX>_*`` variables and secret files.

The variables are the service's own (``AUTH_DATABASE_HOST`` for auth) plus telemetry's standard
``OTEL_*``; the parts a spec does not declare have no variables. :func:`variables` is the one
list of names: the workspace renders charts, compose, ``.env`` and ``inv run`` from it.
Secrets are read from the variable, ``<NAME>_FILE`` or the secrets directory (avion-config).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from avion_config import Secret, checks, describe_settings, load_settings, nested, setting, settings

from avion_service.spec import ServiceSpec

if TYPE_CHECKING:
    from avion_logging import LoggingSettings
    from avion_telemetry import TelemetrySettings

# avion_logging and avion_telemetry are imported where they are used, not here: the workspace
# renders charts and .env from :func:`variables` and must not pay for OpenTelemetry's import.

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - in a container, probes and peers connect from outside
IMAGE_MIGRATIONS_DIR = Path("/app/migrations")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]
SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class UndeclaredPart(LookupError):
    """The service asked for a part (database, redis, buckets, search) its spec does not declare."""

    def __init__(self, service: str, part: str) -> None:
        super().__init__(
            f"service {service!r} does not declare {part!r}: add it to the service's spec "
            f"(config/platform.yaml, then `inv render`) before using it"
        )
        self.service = service
        self.part = part


@settings
class CoreSettings:
    """What every service reads: where it listens, how it logs, its shutdown and probe timing."""

    environment: str = setting(
        "ENVIRONMENT", default="local", description="local, staging or production"
    )
    host: str = setting(
        "HOST", default=ALL_INTERFACES, description="interface both servers listen on"
    )
    http_port: int = setting(
        "HTTP_PORT", default=8080, check=checks.port, description="/healthz, /readyz, /metrics"
    )
    grpc_port: int = setting("GRPC_PORT", default=9090, check=checks.port, description="gRPC port")
    log_level: LogLevel = setting("LOG_LEVEL", default="INFO", description="lowest level logged")
    log_format: LogFormat = setting("LOG_FORMAT", default="json", description="json or console")
    shutdown_grace_seconds: float = setting(
        "SHUTDOWN_GRACE_SECONDS",
        default=10.0,
        check=checks.between(0, 300),
        description="time calls in flight get on SIGTERM",
    )
    readiness_timeout_seconds: float = setting(
        "READINESS_TIMEOUT_SECONDS",
        default=2.0,
        check=checks.between(0.1, 60),
        description="time each dependency check gets",
    )
    readiness_interval_seconds: float = setting(
        "READINESS_INTERVAL_SECONDS",
        default=5.0,
        check=checks.between(0.1, 300),
        description="how often gRPC health is refreshed",
    )


@settings
class DatabaseSettings:
    """The service's own PostgreSQL database, reached as its owner role."""

    migrations_dir: Path = setting("MIGRATIONS_DIR", description="goose migrations folder")
    host: str = setting("DATABASE_HOST", check=checks.non_empty, description="PostgreSQL host")
    port: int = setting(
        "DATABASE_PORT", default=5432, check=checks.port, description="PostgreSQL port"
    )
    name: str = setting(
        "DATABASE_NAME", check=checks.non_empty, description="the service's database"
    )
    user: str = setting(
        "DATABASE_USER", check=checks.non_empty, description="the database's owner role"
    )
    password: Secret = setting("DATABASE_PASSWORD", description="the owner role's password")
    sslmode: SslMode = setting("DATABASE_SSLMODE", default="prefer", description="libpq sslmode")
    pool_max_size: int = setting(
        "DATABASE_POOL_MAX_SIZE",
        default=10,
        check=checks.between(1, 100),
        description="most connections held",
    )

    def conninfo(self, *, application_name: str, connect_timeout: int = 5) -> str:
        """A libpq connection string (it holds the password: never log it)."""
        from psycopg.conninfo import make_conninfo  # psycopg comes with the database part

        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.name,
            user=self.user,
            password=self.password.reveal(),
            sslmode=self.sslmode,
            connect_timeout=connect_timeout,
            application_name=application_name,
        )


@settings
class RedisSettings:
    """Redis as the service's ACL user; with a master set, host and port name a Sentinel."""

    host: str = setting(
        "REDIS_HOST", check=checks.non_empty, description="Redis (or Sentinel) host"
    )
    port: int = setting(
        "REDIS_PORT", default=6379, check=checks.port, description="Redis (or Sentinel) port"
    )
    master_set: str | None = setting(
        "REDIS_MASTER_SET", default=None, description="Sentinel master set; unset: no Sentinel"
    )
    user: str = setting(
        "REDIS_USER", check=checks.non_empty, description="the service's Redis ACL user"
    )
    password: Secret = setting("REDIS_PASSWORD", description="the ACL user's password")


@settings
class S3Settings:
    """S3-compatible object storage (an S3 server locally and in staging, AWS S3 in production)."""

    endpoint: str | None = setting(
        "S3_ENDPOINT",
        default=None,
        check=checks.url("http", "https"),
        description="S3 endpoint URL (unset: AWS)",
    )
    region: str = setting("S3_REGION", default="us-east-1", description="S3 region")
    buckets: tuple[str, ...] = setting(
        "S3_BUCKETS",
        check=checks.non_empty,
        description="buckets the service uses (comma-separated)",
    )
    access_key: Secret = setting("S3_ACCESS_KEY", description="S3 access key id")
    secret_key: Secret = setting("S3_SECRET_KEY", description="S3 secret access key")


@settings
class SearchSettings:
    """Meilisearch."""

    url: str = setting(
        "SEARCH_URL", check=checks.url("http", "https"), description="Meilisearch URL"
    )
    api_key: Secret = setting("SEARCH_API_KEY", description="Meilisearch API key")


# Part → (field of the loaded settings, settings class). "core" and "telemetry" are always there.
PART_CLASSES: Mapping[str, type[Any]] = {
    "core": CoreSettings,
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "buckets": S3Settings,
    "search": SearchSettings,
}


@dataclass(frozen=True)
class Settings:
    """A service's loaded settings; a part the spec does not declare raises :class:`UndeclaredPart`."""

    spec: ServiceSpec
    core: CoreSettings
    telemetry: TelemetrySettings
    parts: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def _part(self, name: str) -> Any:
        if name not in self.parts:
            raise UndeclaredPart(self.spec.name, name)
        return self.parts[name]

    @property
    def database(self) -> DatabaseSettings:
        part: DatabaseSettings = self._part("database")
        return part

    @property
    def redis(self) -> RedisSettings:
        part: RedisSettings = self._part("redis")
        return part

    @property
    def s3(self) -> S3Settings:
        part: S3Settings = self._part("buckets")
        return part

    @property
    def search(self) -> SearchSettings:
        part: SearchSettings = self._part("search")
        return part

    def logging_settings(self) -> LoggingSettings:
        from avion_logging import LoggingSettings

        return LoggingSettings(
            level=self.core.log_level, format=self.core.log_format, service=self.spec.name
        )


@dataclass(frozen=True)
class Variable:
    """One environment variable a service reads: ``key`` is its place (``database.host``)."""

    key: str
    env: str
    type: str
    required: bool
    default: str | None
    secret: bool
    description: str


def default_migrations_dir(spec: ServiceSpec) -> Path:
    """``services/<name>/migrations`` beside an installed-from-source package, else the image's."""
    found = importlib.util.find_spec(spec.package) if _importable(spec.package) else None
    if found is not None and found.origin:
        # <service>/src/<package>/__init__.py → <service>/migrations
        candidate = Path(found.origin).resolve().parents[2] / "migrations"
        if candidate.is_dir():
            return candidate
    return IMAGE_MIGRATIONS_DIR


def _importable(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _with_defaults(cls: type[Any], defaults: Mapping[str, Any]) -> type[Any]:
    """A subclass of settings class ``cls`` whose named fields default to ``defaults``."""
    if not defaults:
        return cls
    fields = {f.name: f for f in dataclasses.fields(cls)}
    namespace: dict[str, Any] = {
        "__module__": cls.__module__,
        "__annotations__": {},
        "__doc__": cls.__doc__,
    }
    for name, value in defaults.items():
        namespace["__annotations__"][name] = cls.__annotations__[name]
        namespace[name] = dataclasses.field(default=value, metadata=fields[name].metadata)
    return settings(type(cls.__name__, (cls,), namespace))


@functools.lru_cache(maxsize=256)
def part_classes(spec: ServiceSpec) -> dict[str, type[Any]]:
    """The settings class of each part the spec declares, with the spec's defaults."""
    out: dict[str, type[Any]] = {
        "core": _with_defaults(
            CoreSettings, {"http_port": spec.http_port, "grpc_port": spec.grpc_port}
        )
    }
    if spec.database is not None:
        out["database"] = _with_defaults(
            DatabaseSettings,
            {
                "name": spec.database,
                "user": spec.database_owner,
                "migrations_dir": default_migrations_dir(spec),
            },
        )
    if spec.redis_namespaces:
        out["redis"] = _with_defaults(RedisSettings, {"user": spec.redis_user})
    if spec.buckets:
        out["buckets"] = _with_defaults(S3Settings, {"buckets": spec.buckets})
    if spec.search:
        out["search"] = SearchSettings
    return out


@functools.lru_cache(maxsize=256)
def root_class(
    spec: ServiceSpec, parts: tuple[str, ...] | None = None, *, telemetry: bool = True
) -> type[Any]:
    """One avion-config class over the chosen parts (default: all declared), so that loading
    reports every problem at once."""
    classes = part_classes(spec)
    chosen = tuple(classes) if parts is None else parts
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": {}}
    for part in chosen:
        if part not in classes:
            raise UndeclaredPart(spec.name, part)
        namespace["__annotations__"][part] = classes[part]
        namespace[part] = nested(prefix=spec.env_prefix)
    if telemetry:
        from avion_telemetry.settings import TelemetrySettings

        namespace["__annotations__"]["telemetry"] = TelemetrySettings
        namespace["telemetry"] = nested()
    return settings(type(f"{spec.package}_settings", (), namespace))


def variables(spec: ServiceSpec) -> tuple[Variable, ...]:
    """Every variable the service reads, in declaration order, with its place in the settings."""
    root = root_class(spec)
    keys = list(_keys(root))
    infos = describe_settings(root)
    return tuple(
        Variable(key, i.env, i.type, i.required, i.default, i.secret, i.description)
        for key, i in zip(keys, infos, strict=True)
    )


def _keys(cls: type[Any], prefix: str = "") -> Iterable[str]:
    hints = _hints(cls)
    for field in dataclasses.fields(cls):
        declared = hints[field.name]
        if isinstance(declared, type) and dataclasses.is_dataclass(declared):
            yield from _keys(declared, f"{prefix}{field.name}.")
        else:
            yield prefix + field.name


def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _environment(spec: ServiceSpec, environ: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ if environ is None else environ)
    env.setdefault("OTEL_SERVICE_NAME", spec.name)
    env.setdefault("DEPLOYMENT_ENVIRONMENT", env.get(spec.env_prefix + "ENVIRONMENT", "local"))
    return env


def load(spec: ServiceSpec, environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting of the service; raises avion_config.SettingsError listing every problem."""
    loaded = load_settings(root_class(spec), environ=_environment(spec, environ))
    parts = {part: getattr(loaded, part) for part in part_classes(spec) if part != "core"}
    return Settings(spec=spec, core=loaded.core, telemetry=loaded.telemetry, parts=parts)


def load_part(spec: ServiceSpec, part: str, environ: Mapping[str, str] | None = None) -> Any:
    """One part alone (``migrate`` needs the database, ``health`` the core)."""
    loaded = load_settings(
        root_class(spec, (part,), telemetry=False), environ=_environment(spec, environ)
    )
    return getattr(loaded, part)
