"""What both backends share: components, endpoints, credentials, statuses and the status document.

Pure: the platform model and the values of ``.env`` in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.localenv import S3_ROOT_ACCESS_KEY, S3_ROOT_SECRET_KEY, rename_note

COMPONENTS = ("postgres", "redis", "s3", "search")
HOST = "127.0.0.1"
STATE_DIR = ".avion"

RUNNING = "running"
STOPPED = "stopped"
UNHEALTHY = "unhealthy"
MISSING = "missing"


@dataclass(frozen=True)
class Endpoints:
    postgres: int
    redis: int
    s3: int
    s3_console: int | None
    search: int
    host: str = HOST

    @classmethod
    def of(cls, platform: Platform) -> Endpoints:
        return cls(
            postgres=platform.postgres.local_port,
            redis=platform.redis.local_port,
            s3=platform.object_storage.local_port,
            s3_console=platform.object_storage.local_console_port,
            search=platform.search.local_port,
        )

    def port(self, component: str) -> int:
        ports: dict[str, int] = {
            "postgres": self.postgres,
            "redis": self.redis,
            "s3": self.s3,
            "search": self.search,
        }
        return ports[component]

    def url(self, component: str) -> str:
        scheme = {"postgres": "postgresql", "redis": "redis", "s3": "http", "search": "http"}[
            component
        ]
        return f"{scheme}://{self.host}:{self.port(component)}"


@dataclass(frozen=True)
class Credentials:
    """The local stack's secrets, read from ``.env``."""

    postgres_password: str
    redis_password: str
    s3_access_key: str
    s3_secret_key: str
    search_master_key: str
    env: Mapping[str, str]

    @classmethod
    def of(cls, env: Mapping[str, str]) -> Credentials:
        names = (
            "POSTGRES_PASSWORD",
            "REDIS_PASSWORD",
            S3_ROOT_ACCESS_KEY,
            S3_ROOT_SECRET_KEY,
            "MEILI_MASTER_KEY",
        )
        missing = [n for n in names if not env.get(n)]
        if missing:
            raise AvionError(
                f".env lacks {', '.join(missing)}",
                hint="run `inv setup`: it completes .env without changing values"
                + rename_note(env, missing),
            )
        return cls(
            postgres_password=env["POSTGRES_PASSWORD"],
            redis_password=env["REDIS_PASSWORD"],
            s3_access_key=env[S3_ROOT_ACCESS_KEY],
            s3_secret_key=env[S3_ROOT_SECRET_KEY],
            search_master_key=env["MEILI_MASTER_KEY"],
            env=env,
        )

    def database_password(self, database: str) -> str:
        from avion_workspace.localenv import database_password_var

        var = database_password_var(database)
        value = self.env.get(var)
        if not value:
            raise AvionError(f".env lacks {var}", hint="run `inv setup` to complete it")
        return value


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    state: str  # running | stopped | unhealthy | missing
    url: str
    detail: str = ""
    server: str = ""  # the program answering (postgres, redis-server, weed, meilisearch), if known

    @property
    def ok(self) -> bool:
        return self.state == RUNNING


class Reporter(Protocol):
    """Where progress goes while the stack comes up (a rich display, or a list in tests)."""

    def update(self, component: str, message: str) -> None: ...

    def done(self, component: str, message: str) -> None: ...


class SilentReporter:
    def update(self, component: str, message: str) -> None:
        pass

    def done(self, component: str, message: str) -> None:
        pass


class Backend(Protocol):
    """A way to run the local stack: docker containers or native processes."""

    name: str

    def up(self, reporter: Reporter) -> None:
        """Start what is not running and wait until every component answers its probe."""

    def down(self) -> list[str]:
        """Stop the components (data is kept); returns the ones that were running."""

    def status(self) -> Mapping[str, ComponentStatus]:
        """Each component's state, probed for real."""

    def logs(self, component: str, lines: int) -> str:
        """The last ``lines`` lines of a component's log."""

    def program_version(self, component: str) -> str | None:
        """The running program's own version, for servers that do not report one over the wire."""

    def reset(self) -> list[str]:
        """Stop everything and delete its data; returns what was deleted."""


def database_dsn(
    platform: Platform, creds: Credentials, database: str, endpoints: Endpoints
) -> str:
    owner = platform.postgres.databases[database].owner
    return (
        f"postgresql://{quote(owner, safe='')}:{quote(creds.database_password(database), safe='')}"
        f"@{endpoints.host}:{endpoints.postgres}/{quote(database, safe='')}"
    )


def admin_dsn(creds: Credentials, endpoints: Endpoints, database: str = "postgres") -> str:
    return (
        f"postgresql://postgres:{quote(creds.postgres_password, safe='')}"
        f"@{endpoints.host}:{endpoints.postgres}/{database}"
    )


def status_document(
    platform: Platform,
    statuses: Mapping[str, ComponentStatus],
    creds: Credentials,
    endpoints: Endpoints,
    versions: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The ``inv infra.status --json`` object: what a local client needs to connect.

    Each component also says which ``server`` program answers and its ``version`` as the running
    server reports it (null when it is not running).
    """

    def base(name: str) -> dict[str, Any]:
        status = statuses[name]
        return {
            "status": status.state,
            "url": endpoints.url(name),
            "server": status.server or None,
            "version": (versions or {}).get(name),
        }

    return {
        "components": {
            "postgres": {
                **base("postgres"),
                "databases": {
                    name: database_dsn(platform, creds, name, endpoints)
                    for name in platform.postgres.databases
                },
            },
            "redis": {
                **base("redis"),
                "url": f"redis://default:{quote(creds.redis_password, safe='')}@{endpoints.host}:{endpoints.redis}/0",
            },
            "s3": {
                **base("s3"),
                "access_key": creds.s3_access_key,
                "secret_key": creds.s3_secret_key,
                "buckets": list(platform.object_storage.buckets),
            },
            "search": base("search"),
        }
    }


def missing_components(
    statuses: Mapping[str, ComponentStatus], required: Sequence[str] = COMPONENTS
) -> list[str]:
    return [
        name for name in required if statuses.get(name) is None or statuses[name].state == MISSING
    ]


# ``infra.logs``: how many lines one may ask for, and how much of a log's tail is read for them.
MAX_LOG_LINES = 100_000
MAX_LOG_TAIL_BYTES = 8 * 1024 * 1024


def check_log_lines(lines: int) -> int:
    """``--lines`` as given, when it is a count of lines a log tail can show."""
    from avion_workspace.infra.errors import InfraError

    if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= MAX_LOG_LINES:
        raise InfraError(
            f"--lines must be a whole number from 1 to {MAX_LOG_LINES}, not {lines!r}",
            hint="e.g. inv infra.logs redis --lines 100",
        )
    return lines


def state_dir(root: Path) -> Path:
    return root / STATE_DIR
