"""The platform model: frozen dataclasses built from one environment's validated config.

This is the one place where meaning lives: derived values (a service's database owner, its
Redis key patterns, its effective replicas and resources) are computed here, never in templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class CachePolicy:
    """A CloudFront cache policy: TTLs in seconds; ``paths`` empty for the default policy."""

    name: str
    description: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    compress: bool
    paths: tuple[str, ...]
    signed_urls: bool = False

    @property
    def caches(self) -> bool:
        return self.max_ttl > 0


@dataclass(frozen=True)
class Cdn:
    """An environment's CDN: CloudFront in front of the buckets marked ``cdn: true``."""

    price_class: str
    log_bucket: str
    log_prefix: str
    hsts_max_age: int
    default_cache_policy: str
    cache_policies: Mapping[str, CachePolicy]

    @property
    def default_policy(self) -> CachePolicy:
        return self.cache_policies[self.default_cache_policy]

    @property
    def signed_urls(self) -> bool:
        """Whether some path needs CloudFront signed URLs (so the stack needs a key group)."""
        return any(p.signed_urls for p in self.cache_policies.values())

    @property
    def path_policies(self) -> tuple[tuple[str, CachePolicy], ...]:
        """(path pattern, policy) for every non-default path, in config order."""
        return tuple(
            (pattern, policy) for policy in self.cache_policies.values() for pattern in policy.paths
        )


@dataclass(frozen=True)
class Environment:
    name: str
    kind: str  # "local" | "kubernetes"
    namespace: str
    domain: str
    zones: tuple[str, ...]
    cluster: str | None = None  # the Kubernetes cluster (kind kubernetes)
    cdn: Cdn | None = None


@dataclass(frozen=True)
class Database:
    name: str
    owner: str


@dataclass(frozen=True)
class Postgres:
    version: str
    local_port: int
    databases: Mapping[str, Database]


@dataclass(frozen=True)
class RedisNamespace:
    name: str
    description: str

    @property
    def key_pattern(self) -> str:
        return f"{self.name}:*"


@dataclass(frozen=True)
class Redis:
    version: str
    local_port: int
    persistence: bool
    namespaces: Mapping[str, RedisNamespace]


@dataclass(frozen=True)
class Bucket:
    name: str
    purpose: str
    versioning: bool
    cdn: bool
    expire_days: int | None


@dataclass(frozen=True)
class ObjectStorage:
    provider: str
    local_port: int
    local_console_port: int | None
    buckets: Mapping[str, Bucket]


@dataclass(frozen=True)
class Search:
    engine: str
    version: str
    local_port: int


@dataclass(frozen=True)
class Resources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int
    target_cpu_percent: int


@dataclass(frozen=True)
class Service:
    name: str
    description: str
    http_port: int
    grpc_port: int
    local_http_port: int
    local_grpc_port: int
    database: str | None
    database_owner: str | None
    redis_namespaces: tuple[str, ...]
    buckets: tuple[str, ...]
    search: bool
    replicas: int
    resources: Resources
    autoscaling: Autoscaling | None
    libraries: tuple[str, ...]
    requirements: tuple[str, ...] = ()  # third-party requirements of the team's own code

    @property
    def package(self) -> str:
        """The Python package name: ``system-admin`` → ``avion_system_admin``."""
        return "avion_" + self.name.replace("-", "_")

    @property
    def env_prefix(self) -> str:
        """Environment variable prefix: ``system-admin`` → ``SYSTEM_ADMIN``."""
        return self.name.replace("-", "_").upper()

    @property
    def migrations_dir(self) -> str:
        return f"services/{self.name}/migrations"

    @property
    def redis_key_patterns(self) -> tuple[str, ...]:
        """Key patterns its Redis ACL user is limited to."""
        return tuple(f"{ns}:*" for ns in self.redis_namespaces)


@dataclass(frozen=True)
class Monitoring:
    scrape_interval: str
    retention: str
    grafana_local_port: int
    loki_retention: str
    alert_receivers: tuple[str, ...]


@dataclass(frozen=True)
class CI:
    registry: str
    chart_repository: str
    python_version: str


@dataclass(frozen=True)
class Platform:
    name: str
    python_version: str
    environment: Environment
    environments: tuple[str, ...]
    postgres: Postgres
    redis: Redis
    object_storage: ObjectStorage
    search: Search
    services: Mapping[str, Service]
    monitoring: Monitoring
    ci: CI

    def image(self, service: str) -> str:
        return f"{self.ci.registry}/{service}"

    @property
    def cdn_buckets(self) -> tuple[Bucket, ...]:
        """The buckets this environment serves through its CDN (none without a CDN)."""
        if self.environment.cdn is None:
            return ()
        return tuple(b for b in self.object_storage.buckets.values() if b.cdn)


def _frozen_map(items: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(items))


def _resources(raw: Mapping[str, Any]) -> Resources:
    return Resources(
        cpu_request=str(raw["requests"]["cpu"]),
        memory_request=str(raw["requests"]["memory"]),
        cpu_limit=str(raw["limits"]["cpu"]),
        memory_limit=str(raw["limits"]["memory"]),
    )


def _cdn(raw: Mapping[str, Any] | None) -> Cdn | None:
    if raw is None:
        return None
    return Cdn(
        price_class=raw["price_class"],
        log_bucket=raw["logs"]["bucket"],
        log_prefix=raw["logs"]["prefix"],
        hsts_max_age=raw["hsts_max_age"],
        default_cache_policy=raw["default_cache_policy"],
        cache_policies=_frozen_map(
            {
                name: CachePolicy(
                    name=name,
                    description=p["description"],
                    min_ttl=p["min_ttl"],
                    default_ttl=p["default_ttl"],
                    max_ttl=p["max_ttl"],
                    compress=p["compress"],
                    paths=tuple(p.get("paths", ())),
                    signed_urls=bool(p.get("signed_urls", False)),
                )
                for name, p in raw["cache_policies"].items()
            }
        ),
    )


def _service(
    name: str, raw: Mapping[str, Any], defaults: Mapping[str, Any], data: Mapping[str, Any]
) -> Service:
    database = raw.get("database")
    scaling = raw.get("autoscaling", defaults.get("autoscaling"))
    return Service(
        name=name,
        description=raw["description"],
        http_port=defaults["container_ports"]["http"],
        grpc_port=defaults["container_ports"]["grpc"],
        local_http_port=raw["local_ports"]["http"],
        local_grpc_port=raw["local_ports"]["grpc"],
        database=database,
        database_owner=data["postgres"]["databases"][database]["owner"] if database else None,
        redis_namespaces=tuple(raw.get("redis", ())),
        buckets=tuple(raw.get("buckets", ())),
        search=bool(raw.get("search", False)),
        replicas=raw.get("replicas", defaults["replicas"]),
        resources=_resources(raw.get("resources", defaults["resources"])),
        autoscaling=Autoscaling(**scaling) if scaling else None,
        libraries=tuple(raw.get("libraries", defaults["libraries"])),
        requirements=tuple(raw.get("requirements", ())),
    )


def build_platform(data: Mapping[str, Any], env: str) -> Platform:
    """Build the model of ``env`` from its effective, already validated, config data."""
    env_raw = data["environments"][env]
    defaults = data["service_defaults"]
    storage = data["object_storage"]
    monitoring = data["monitoring"]
    return Platform(
        name=data["platform"]["name"],
        python_version=data["platform"]["python_version"],
        environment=Environment(
            name=env,
            kind=env_raw["kind"],
            namespace=env_raw["namespace"],
            domain=env_raw["domain"],
            zones=tuple(env_raw.get("zones", ())),
            cluster=env_raw.get("cluster"),
            cdn=_cdn(env_raw.get("cdn")),
        ),
        environments=tuple(data["environments"]),
        postgres=Postgres(
            version=data["postgres"]["version"],
            local_port=data["postgres"]["local_port"],
            databases=_frozen_map(
                {n: Database(n, d["owner"]) for n, d in data["postgres"]["databases"].items()}
            ),
        ),
        redis=Redis(
            version=data["redis"]["version"],
            local_port=data["redis"]["local_port"],
            persistence=bool(data["redis"].get("persistence", True)),
            namespaces=_frozen_map(
                {
                    n: RedisNamespace(n, d["description"])
                    for n, d in data["redis"]["namespaces"].items()
                }
            ),
        ),
        object_storage=ObjectStorage(
            provider=storage["provider"],
            local_port=storage["local_port"],
            local_console_port=storage.get("local_console_port"),
            buckets=_frozen_map(
                {
                    n: Bucket(
                        n,
                        b["purpose"],
                        b.get("versioning", False),
                        b.get("cdn", False),
                        b.get("expire_days"),
                    )
                    for n, b in storage["buckets"].items()
                }
            ),
        ),
        search=Search(
            data["search"]["engine"], data["search"]["version"], data["search"]["local_port"]
        ),
        services=_frozen_map(
            {n: _service(n, s, defaults, data) for n, s in data["services"].items()}
        ),
        monitoring=Monitoring(
            scrape_interval=monitoring["prometheus"]["scrape_interval"],
            retention=monitoring["prometheus"]["retention"],
            grafana_local_port=monitoring["grafana"]["local_port"],
            loki_retention=monitoring["loki"]["retention"],
            alert_receivers=tuple(monitoring["alertmanager"]["receivers"]),
        ),
        ci=CI(data["ci"]["registry"], data["ci"]["chart_repository"], data["ci"]["python_version"]),
    )
