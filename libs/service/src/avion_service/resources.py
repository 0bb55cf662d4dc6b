"""The connections a service holds for its lifetime, as optional parts, and their readiness probes.

Each part the spec declares (PostgreSQL pool, Redis, S3, search) is built from its settings,
opened at startup, probed by ``/readyz`` and gRPC health, and closed at shutdown. Asking for a
part the spec does not declare raises :class:`~avion_service.settings.UndeclaredPart`. The
clients' libraries are imported only for the parts a service declares (they are the extras
``avion-service[database,redis,buckets,search]``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from avion_service.settings import (
    DatabaseSettings,
    RedisSettings,
    S3Settings,
    SearchSettings,
    Settings,
    UndeclaredPart,
)

if TYPE_CHECKING:
    import httpx
    from mypy_boto3_s3 import S3Client
    from psycopg import AsyncConnection
    from psycopg.rows import TupleRow
    from psycopg_pool import AsyncConnectionPool
    from redis.asyncio import Redis

Probe = Callable[[], Awaitable[None]]


class Part(Protocol):
    """One optional connection: opened at startup, probed for readiness, closed at shutdown."""

    client: Any

    async def open(self) -> None: ...
    async def ready(self) -> None: ...
    async def close(self) -> None: ...


class DatabasePart:
    """A psycopg async connection pool to the service's database, as its owner role."""

    def __init__(self, config: DatabaseSettings, *, name: str, timeout: float) -> None:
        from psycopg_pool import AsyncConnectionPool

        self._timeout = timeout
        self.client: AsyncConnectionPool[AsyncConnection[TupleRow]] = AsyncConnectionPool(
            config.conninfo(application_name=name, connect_timeout=max(1, round(timeout))),
            min_size=1,
            max_size=config.pool_max_size,
            open=False,
            name=name,
            check=AsyncConnectionPool.check_connection,
        )

    async def open(self) -> None:
        await self.client.open(wait=False)  # never waits: readiness reports a database down

    async def ready(self) -> None:
        async with self.client.connection(timeout=self._timeout) as conn:
            await conn.execute("SELECT 1")

    async def close(self) -> None:
        await self.client.close()


class RedisPart:
    """Redis as the service's ACL user, through a Sentinel when a master set is named."""

    def __init__(self, config: RedisSettings, *, timeout: float) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.sentinel import Sentinel

        options: dict[str, Any] = {
            "username": config.user,
            "password": config.password.reveal(),
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        }
        if config.master_set is None:
            self.client: Redis = Redis(host=config.host, port=config.port, **options)
        else:
            sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
                [(config.host, config.port)], sentinel_kwargs={"socket_timeout": timeout}
            )
            self.client = sentinel.master_for(config.master_set, **options)

    async def open(self) -> None:
        """Redis connects on first use."""

    async def ready(self) -> None:
        pong = self.client.ping()  # redis-py types it for both its sync and async clients
        if not isinstance(pong, bool):
            await pong

    async def close(self) -> None:
        await self.client.aclose()


class BucketsPart:
    """An S3 client (botocore); ready when every configured bucket answers HEAD."""

    def __init__(self, config: S3Settings, *, timeout: float) -> None:
        import botocore.session
        from botocore.config import Config

        self._buckets = config.buckets
        client = botocore.session.get_session().create_client(
            "s3",
            region_name=config.region,
            endpoint_url=config.endpoint,
            aws_access_key_id=config.access_key.reveal(),
            aws_secret_access_key=config.secret_key.reveal(),
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 1},
                # S3-compatible servers serve buckets by path; AWS picks the style itself.
                s3={"addressing_style": "path" if config.endpoint else "auto"},
            ),
        )
        self.client = cast("S3Client", client)

    async def open(self) -> None:
        """botocore connects on first use."""

    async def ready(self) -> None:
        await asyncio.to_thread(self._head_buckets)

    def _head_buckets(self) -> None:
        for bucket in self._buckets:
            self.client.head_bucket(Bucket=bucket)

    async def close(self) -> None:
        self.client.close()


class SearchPart:
    """An HTTP client for Meilisearch; ready when ``/health`` says ``available``."""

    def __init__(self, config: SearchSettings, *, timeout: float) -> None:
        import httpx

        self.client: httpx.AsyncClient = httpx.AsyncClient(
            base_url=config.url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {config.api_key.reveal()}"},
        )

    async def open(self) -> None:
        """httpx connects on first use."""

    async def ready(self) -> None:
        response = await self.client.get("/health")
        response.raise_for_status()
        status = response.json().get("status")
        if status != "available":
            raise RuntimeError(f"Meilisearch reports status {status!r}")

    async def close(self) -> None:
        await self.client.aclose()


class Resources:
    """The service's connections, one per declared part; handlers get them through ``register``.

    ``resources.database`` (a psycopg ``AsyncConnectionPool``), ``.redis`` (``redis.asyncio.Redis``),
    ``.s3`` (a botocore S3 client), ``.search`` (an ``httpx.AsyncClient`` on Meilisearch).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        spec = settings.spec
        timeout = settings.core.readiness_timeout_seconds
        self._parts: dict[str, Part] = {}
        if "database" in spec.parts:
            self._parts["database"] = DatabasePart(
                settings.database, name=spec.name, timeout=timeout
            )
        if "redis" in spec.parts:
            self._parts["redis"] = RedisPart(settings.redis, timeout=timeout)
        if "buckets" in spec.parts:
            self._parts["buckets"] = BucketsPart(settings.s3, timeout=timeout)
        if "search" in spec.parts:
            self._parts["search"] = SearchPart(settings.search, timeout=timeout)

    def _client(self, part: str) -> Any:
        if part not in self._parts:
            raise UndeclaredPart(self.settings.spec.name, part)
        return self._parts[part].client

    @property
    def database(self) -> AsyncConnectionPool[AsyncConnection[TupleRow]]:
        pool: AsyncConnectionPool[AsyncConnection[TupleRow]] = self._client("database")
        return pool

    @property
    def redis(self) -> Redis:
        client: Redis = self._client("redis")
        return client

    @property
    def s3(self) -> S3Client:
        client: S3Client = self._client("buckets")
        return client

    @property
    def search(self) -> httpx.AsyncClient:
        client: httpx.AsyncClient = self._client("search")
        return client

    async def open(self) -> None:
        """Start connecting; never waits for a dependency (readiness reports what is down)."""
        for part in self._parts.values():
            await part.open()

    async def close(self) -> None:
        """Close every connection (each is tried, whatever the others do)."""
        errors: list[BaseException] = []
        for part in self._parts.values():
            try:
                await part.close()
            except Exception as exc:  # noqa: BLE001 - close the rest, then report
                errors.append(exc)
        if errors:
            raise errors[0]

    def probes(self) -> dict[str, Probe]:
        """The dependency checks of /readyz and gRPC health, by part name, in spec order."""
        return {name: part.ready for name, part in self._parts.items()}
