"""``python -m avion_<name> COMMAND``: the one entry point of every service, :func:`main`.

- ``serve``: run the service until SIGTERM (the image's default command);
- ``health``: exit 0 when the running service answers ``/healthz`` (the container HEALTHCHECK),
  or ``/readyz`` with ``--ready``;
- ``migrate``: apply pending migrations to the service's database with avion-migrate (the
  image's migrations in ``/app/migrations``; the chart's migration Job runs it);
- ``settings``: list every environment variable the service reads.

Configuration problems are printed together, without a traceback, with exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import sys
from collections.abc import Sequence

from avion_config import SettingsError, describe_settings

from avion_service import settings as config
from avion_service.server import Register, StartupError, serve
from avion_service.spec import ServiceSpec

EXIT_FAILURE = 1
EXIT_CONFIG = 2
_WILDCARDS = ("", "0.0.0.0", "::")  # noqa: S104 - names of "every interface", never bound here


def main(spec: ServiceSpec, register: Register, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line) and run the command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {spec.package}", description=_argparse_text(spec.description) or None
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the service until SIGTERM")
    health = commands.add_parser("health", help="is the running service alive? (exit 0 or 1)")
    health.add_argument("--ready", action="store_true", help="ask /readyz: are dependencies up?")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait (default 3)")
    commands.add_parser("migrate", help="apply pending migrations to the service's database")
    commands.add_parser("settings", help="list the environment variables the service reads")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(spec, register)
        if args.command == "health":
            return check_health(spec, ready=args.ready, timeout=args.timeout)
        if args.command == "migrate":
            return migrate(spec)
        return list_settings(spec)
    except SettingsError as exc:
        print(f"{spec.name}: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def _argparse_text(text: str) -> str:
    """``text`` shown as written by argparse, which %-formats help text naming ``%(prog)``."""
    return text.replace("%", "%%") if "%(prog)" in text else text


def _serve(spec: ServiceSpec, register: Register) -> int:
    settings = config.load(spec)
    try:
        asyncio.run(serve(settings, register))
    except StartupError as exc:
        print(f"{spec.name}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def check_health(spec: ServiceSpec, *, ready: bool = False, timeout: float = 3.0) -> int:
    """GET /healthz (or /readyz) from the local HTTP server; 0 on 200, else 1 with the reason."""
    core: config.CoreSettings = config.load_part(spec, "core")
    host = "127.0.0.1" if core.host in _WILDCARDS else core.host
    path = "/readyz" if ready else "/healthz"
    connection = http.client.HTTPConnection(host, core.http_port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace").strip()
    except OSError as exc:
        print(f"{spec.name}: unhealthy: cannot reach {host}:{core.http_port}{path}: {exc}")
        return EXIT_FAILURE
    finally:
        connection.close()
    if response.status != 200:
        print(f"{spec.name}: unhealthy: {path} answered {response.status}: {body}")
        return EXIT_FAILURE
    print(f"{spec.name}: {path} ok")
    return 0


def migrate(spec: ServiceSpec) -> int:
    """Apply every pending migration to the service's database; print a one-line summary."""
    from avion_migrate.errors import MigrationError
    from avion_migrate.runner import Command, Target
    from avion_migrate.runner import migrate as run

    if spec.database is None:
        print(f"{spec.name}: no database to migrate (the spec declares none)")
        return 0
    database: config.DatabaseSettings = config.load_part(spec, "database")
    target = Target(
        spec.name,
        database.migrations_dir,
        database.conninfo(application_name=spec.name),
        connection_hint=f"is the database running and reachable? check the "
        f"{spec.env_prefix}DATABASE_* settings (`python -m {spec.package} settings` lists them)",
    )
    try:
        result = run(target, Command.UP)
    except MigrationError as exc:
        print(f"{spec.name}: migrate failed:\n{exc.render()}", file=sys.stderr)
        return EXIT_FAILURE
    if not result.steps:
        print(f"{spec.name}: {database.name} is up to date (version {result.after})")
    else:
        print(
            f"{spec.name}: applied {len(result.steps)} migration(s) to {database.name}, "
            f"version {result.before} -> {result.after}"
        )
    return 0


def list_settings(spec: ServiceSpec) -> int:
    """Print every variable the service reads: type, default or required, secret, description."""
    # The classes load() reads (their migrations default is located, unlike variables()'s).
    for var in describe_settings(config.root_class(spec)):
        default = "required" if var.required else f"default {var.default}"
        if var.secret:
            default += ", secret (also <NAME>_FILE or the secrets directory)"
        description = f"  {var.description}" if var.description else ""
        print(f"{var.env}: {var.type}, {default}{description}")
    return 0
