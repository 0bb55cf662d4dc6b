"""A real PostgreSQL server from the pinned binaries in ``.tools/``: init, start, probe, stop.

Used by the integration tests (one throwaway server per run) and by the native local-stack
backend. PostgreSQL refuses to run as root, so when we are root the server runs as an
unprivileged system user (``avion-pg``, created if missing; ``nobody`` as a fallback) that owns
the server's directory.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from avion_workspace.errors import AvionError, ToolMissing

DEFAULT_SERVICE_USER = "avion-pg"
PG_BIN_VAR = "AVION_PG_BIN"
# Where root keeps a copy of the pinned server that the unprivileged account can reach.
SHARED_INSTALLS = Path("/var/lib/avion")
_REQUIRED = ("initdb", "pg_ctl", "postgres")
BIND_ATTEMPTS = 5


class PostgresError(AvionError):
    """The local PostgreSQL server could not be initialised, started, reached or stopped."""


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account the server's processes run as (when we are root)."""

    name: str
    uid: int
    gid: int


def _has_binaries(directory: Path) -> bool:
    return all((directory / tool).is_file() for tool in _REQUIRED)


def _workspace_root() -> Path:
    """The workspace whose ``.tools/`` holds the pinned server: the one around cwd, else ours."""
    from avion_workspace.workspace import find_root

    try:
        return find_root()
    except AvionError:
        return Path(__file__).resolve().parents[3]


def pinned_bin_dir(tools_root: Path | None = None) -> Path | None:
    """The bin directory of the pinned PostgreSQL in ``.tools/``, when installed."""
    from avion_workspace.tools import find_pinned

    program = find_pinned(tools_root or _workspace_root(), "postgres")
    return program.parent if program is not None else None


def find_bin_dir(
    environ: Mapping[str, str] | None = None, *, tools_root: Path | None = None
) -> Path:
    """PostgreSQL's bin directory: ``$AVION_PG_BIN`` when set, else the pinned one in ``.tools/``.

    The pinned server (``inv tools.install postgres``) runs the major version config names; the
    machine's own server is used only when ``AVION_PG_BIN`` names it, as an explicit fallback.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(PG_BIN_VAR)
    if explicit:
        if _has_binaries(Path(explicit)):
            return Path(explicit)
        raise ToolMissing(
            f"{PG_BIN_VAR}={explicit} does not hold {', '.join(_REQUIRED)}",
            hint=f"point {PG_BIN_VAR} at a PostgreSQL bin directory, or unset it to use the pinned server",
        )
    pinned = pinned_bin_dir(tools_root)
    if pinned is not None and _has_binaries(pinned):
        return pinned
    raise ToolMissing(
        "the pinned PostgreSQL server (initdb, pg_ctl, postgres) is not installed",
        hint=f"run `inv tools.install postgres`, or set {PG_BIN_VAR} to the bin directory of a "
        "PostgreSQL of the version config names (e.g. /usr/lib/postgresql/17/bin)",
    )


@functools.cache
def server_version(bin_dir: Path) -> str:
    """``17.10`` for a bin directory whose ``postgres --version`` says ``postgres (PostgreSQL) 17.10``."""
    result = subprocess.run(
        [str(bin_dir / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={**os.environ, "LC_ALL": "C"},
    )
    found = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", result.stdout)
    if result.returncode != 0 or found is None:
        raise ToolMissing(
            f"{bin_dir / 'postgres'} --version failed: {(result.stderr or result.stdout).strip()}",
            hint=f"check that {bin_dir} holds a working PostgreSQL",
        )
    return found.group(1)


def major_mismatch(version: str, wanted_major: str) -> str | None:
    """Why a server of ``version`` cannot serve a config that names ``wanted_major``; None if it can."""
    major = version.split(".")[0]
    if major == wanted_major.split(".")[0]:
        return None
    return f"PostgreSQL {version} is not the major version config names ({wanted_major})"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def service_account(name: str = DEFAULT_SERVICE_USER) -> RunAs | None:
    """``None`` unless we are root; then the account to run PostgreSQL as (created if missing)."""
    if os.geteuid() != 0:
        return None
    for attempt in range(2):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            if attempt == 0 and shutil.which("useradd"):
                # A concurrent creator makes useradd fail; the second lookup then finds it.
                subprocess.run(
                    [
                        "useradd",
                        "--system",
                        "--no-create-home",
                        "--home-dir",
                        "/nonexistent",
                        "--shell",
                        "/usr/sbin/nologin",
                        name,
                    ],
                    capture_output=True,
                    check=False,
                )
                continue
            break
        return RunAs(entry.pw_name, entry.pw_uid, entry.pw_gid)
    nobody = pwd.getpwnam("nobody")
    return RunAs(nobody.pw_name, nobody.pw_uid, nobody.pw_gid)


def _traversable_by(path: Path, account: RunAs) -> Path | None:
    """The first existing ancestor of ``path`` that ``account`` cannot enter, if any."""
    for directory in reversed(path.parents):
        if not directory.exists():
            continue
        info = directory.stat()
        if info.st_uid == account.uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == account.gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return directory
    return None


def reachable_bin_dir(bin_dir: Path, account: RunAs | None) -> Path:
    """``bin_dir``, or a root-owned copy of its installation the service account can run.

    A workspace under a private home (``/root/...``) holds the pinned server where the
    unprivileged account cannot reach; the copy goes to a root-owned, world-readable folder (only root
    needs it: the account exists only then), once per version.
    """
    if account is None or _traversable_by(bin_dir / "postgres", account) is None:
        return bin_dir
    install = bin_dir.parent
    copy = SHARED_INSTALLS / install.name
    SHARED_INSTALLS.mkdir(mode=0o755, parents=True, exist_ok=True)
    if not (copy / "bin" / "postgres").is_file():
        staging = copy.with_name(f"{copy.name}.{os.getpid()}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(install, staging, symlinks=True)
        staging.chmod(0o755)
        try:
            staging.rename(copy)
        except OSError:  # a concurrent copier won
            shutil.rmtree(staging, ignore_errors=True)
    return copy / bin_dir.name


class PostgresServer:
    """One PostgreSQL cluster under ``base_dir`` (``data/``, ``run/`` for sockets, a log file).

    ``password=None`` means trust authentication; otherwise SCRAM. ``durable=False`` turns off
    fsync and friends, for throwaway servers. Every method is safe to call twice.
    """

    def __init__(
        self,
        base_dir: Path,
        *,
        port: int,
        superuser: str = "postgres",
        password: str | None = None,
        host: str = "127.0.0.1",
        bin_dir: Path | None = None,
        durable: bool = True,
        settings: Mapping[str, str] | None = None,
        run_as: RunAs | None = None,
        owns_base_dir: bool = False,
    ) -> None:
        self.base_dir = base_dir.absolute()
        self.port = port
        self.superuser = superuser
        self.password = password
        self.host = host
        self.durable = durable
        self.settings = dict(settings or {})
        self.run_as = run_as if run_as is not None else service_account()
        self.bin_dir = reachable_bin_dir(bin_dir or find_bin_dir(), self.run_as)
        self.owns_base_dir = owns_base_dir
        # A port picked free here may be taken before the server binds it: then pick another.
        self.port_is_ours = False

    @classmethod
    def in_temp_dir(cls, *, port: int | None = None, **options: Any) -> PostgresServer:
        """A server in a fresh temporary directory that :meth:`remove` deletes."""
        base = Path(tempfile.mkdtemp(prefix="avion-pg-"))
        server = cls(base, port=port or free_port(), owns_base_dir=True, **options)
        server.port_is_ours = port is None
        return server

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "run"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    def tool(self, name: str) -> Path:
        """A client program (pg_dump, psql, ...) of the same PostgreSQL version."""
        return self.bin_dir / name

    def dsn(self, database: str = "postgres") -> str:
        auth = quote(self.superuser, safe="")
        if self.password is not None:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(database, safe='')}"

    # -- processes ---------------------------------------------------------------------------

    def _run(
        self, args: list[str], *, timeout: float, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        extra: dict[str, Any] = {}
        if self.run_as is not None:
            extra = {"user": self.run_as.uid, "group": self.run_as.gid, "extra_groups": []}
        try:
            result = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=self.base_dir,
                check=False,
                **extra,
            )
        except subprocess.TimeoutExpired:
            raise PostgresError(
                f"{Path(args[0]).name} did not finish within {timeout:g} s",
                hint=f"see {self.log_file}",
            ) from None
        if check and result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            raise PostgresError(
                f"{Path(args[0]).name} failed (exit {result.returncode}): {output}"
                + self._log_tail(),
                hint=f"server directory: {self.base_dir}",
            )
        return result

    def _log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            text = self.log_file.read_text(errors="replace").strip().splitlines()[-lines:]
            if text:
                return "\n    log: " + "\n    log: ".join(text)
        return ""

    def _prepare_dirs(self) -> None:
        if self.run_as is not None:
            blocked = _traversable_by(self.base_dir, self.run_as)
            if blocked is not None:
                raise PostgresError(
                    f"PostgreSQL runs as user {self.run_as.name}, which cannot enter {blocked}",
                    hint="put the server directory where that user can reach it "
                    "(PostgresServer.in_temp_dir() uses the system temp dir)",
                )
        for directory in (self.base_dir, self.socket_dir):
            directory.mkdir(parents=True, exist_ok=True)
        if self.run_as is not None:
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, self.run_as.uid, self.run_as.gid)
            if self.log_file.exists():
                os.chown(self.log_file, self.run_as.uid, self.run_as.gid)

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def init(self) -> None:
        """initdb the data directory (once) and write the server settings."""
        self._prepare_dirs()
        if self.is_initialized():
            return
        args = [
            str(self.tool("initdb")),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "-E",
            "UTF8",
            "--locale=C",
        ]
        password_file = self.base_dir / ".pwfile"
        if self.password is None:
            args += ["--auth-local=trust", "--auth-host=trust"]
        else:
            # private from the first byte: created 0600, never world-readable for a moment
            password_file.unlink(missing_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.password + "\n")
            if self.run_as is not None:
                os.chown(password_file, self.run_as.uid, self.run_as.gid)
            args += [
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                f"--pwfile={password_file}",
            ]
        if not self.durable:
            args.append("--no-sync")
        try:
            self._run(args, timeout=180)
        finally:
            password_file.unlink(missing_ok=True)
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# avion_workspace.infra.postgres\n")
            for key, value in self._settings().items():
                conf.write(f"{key} = {value}\n")

    def _settings(self) -> dict[str, str]:
        settings = {
            "listen_addresses": f"'{self.host}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
        }
        if not self.durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        return settings | self.settings

    def is_running(self) -> bool:
        if not self.is_initialized():
            return False
        result = self._run(
            [str(self.tool("pg_ctl")), "status", "-D", str(self.data_dir)], timeout=30, check=False
        )
        return result.returncode == 0

    def start(self, *, timeout: float = 60.0) -> PostgresServer:
        """Initialise if needed, start unless running, and wait until it answers SQL."""
        self.init()
        attempts = BIND_ATTEMPTS if self.port_is_ours else 1
        for attempt in range(1, attempts + 1):
            if self.is_running():
                break
            self._prepare_dirs()
            try:
                self._pg_ctl_start(timeout)
                break
            except PostgresError as exc:
                if attempt == attempts or "could not bind" not in exc.message:
                    raise
                self._move_to_port(free_port(self.host))
        self.wait_ready(timeout=timeout)
        return self

    def _pg_ctl_start(self, timeout: float) -> None:
        self._run(
            [
                str(self.tool("pg_ctl")),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(max(int(timeout), 1)),
            ],
            timeout=timeout + 10,
        )

    def _move_to_port(self, port: int) -> None:
        """Another process took our port between picking and binding: the last setting wins."""
        self.port = port
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"port = {port}\n")

    def wait_ready(
        self,
        *,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Poll with a real ``SELECT 1`` until it succeeds; a clear error after ``timeout``."""
        import psycopg

        deadline = clock() + timeout
        delay = 0.05
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=5) as conn:
                    conn.execute("SELECT 1").fetchone()
                return
            except psycopg.Error as exc:
                last = str(exc).strip() or type(exc).__name__
            if clock() >= deadline:
                raise PostgresError(
                    f"PostgreSQL on {self.host}:{self.port} did not answer within "
                    f"{timeout:g} s: {last}" + self._log_tail(),
                    hint=f"server directory: {self.base_dir}",
                )
            sleep(delay)
            delay = min(delay * 2, 0.5)

    def stop(self, *, timeout: float = 60.0) -> None:
        if self.is_running():
            self._run(
                [
                    str(self.tool("pg_ctl")),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    str(max(int(timeout), 1)),
                ],
                timeout=timeout + 10,
            )

    def remove(self) -> None:
        """Stop the server and delete its directory (only one this object created)."""
        self.stop()
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remove()

    # -- databases -------------------------------------------------------------------------

    def create_database(self, name: str, *, owner: str | None = None) -> str:
        """Create database ``name``; returns its DSN."""
        from psycopg import sql

        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner is not None:
            query = sql.SQL("{} OWNER {}").format(query, sql.Identifier(owner))
        with self._admin() as conn:
            conn.execute(query)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    @contextlib.contextmanager
    def _admin(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True, connect_timeout=10) as conn:
            yield conn
