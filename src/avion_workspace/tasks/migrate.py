"""``inv migrate.*``: goose-compatible PostgreSQL migrations (see :mod:`avion_workspace.migrate`).

Each task takes ``--service NAME`` or ``--all`` (folder and database from the config and the
local stack) or ``--dir PATH --dsn URL`` (any goose folder and database).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import Task, task

if TYPE_CHECKING:
    from avion_workspace.migrate.targets import Selection

_TARGET_HELP = {
    "service": "service whose migrations to run (its folder and local database)",
    "all": "every service with a database, in parallel, with a per-service summary",
    "dir": "a goose migrations folder (instead of --service/--all)",
    "dsn": "database URL, postgresql://... (with --dir)",
    "config_dir": "configuration folder (default: <workspace>/config)",
    "env": "environment whose config to use (default: local)",
}
# create and fix write into the folder: say where that may be (docs/decisions/0050).
_WRITTEN_DIR_HELP = (
    "an existing goose migrations folder to write in (instead of --service): anywhere, like "
    "goose's -dir, relative to the current folder; never created, never a link, never under .git"
)
_RUN_HELP = _TARGET_HELP | {
    "dry_run": "print what would run; change nothing",
    "strict": "fail if an applied file was edited after it was applied",
    "no_lock": "do not take goose's advisory lock (not recommended)",
    "lock_timeout": "seconds to wait for the migration lock (default: 300)",
}
_VERSION_HELP = {"version": "target version"}


def _selection(service: str | None, all_: bool, dir_: str | None, dsn: str | None) -> Selection:
    from avion_workspace.migrate.targets import Selection

    return Selection(service=service, all_services=all_, directory=dir_, dsn=dsn)


def _run(
    command: str,
    *,
    service: str | None,
    all_: bool,
    dir_: str | None,
    dsn: str | None,
    config_dir: str | None,
    env: str,
    dry_run: bool,
    strict: bool,
    no_lock: bool,
    lock_timeout: int,
    allow_missing: bool = False,
    version: str | None = None,
) -> None:
    from avion_migrate.runner import Command, RunOptions

    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import parse_version_arg, run_migration

    def action() -> None:
        options = RunOptions(
            allow_missing=allow_missing,
            dry_run=dry_run,
            strict=strict,
            lock=not no_lock,
            lock_timeout=float(lock_timeout),
        )
        run_migration(
            _selection(service, all_, dir_, dsn),
            Command(command),
            options=options,
            version=parse_version_arg(version),
            config_dir=config_dir,
            env=env,
        )

    guarded(action)


def _run_task(
    command: str, doc: str, *, version: bool = False, allow_missing: str | None = None
) -> Task[Any]:
    """A task running one migration ``command``; they all take the same target and run options.

    invoke reads a task's options from its signature, so the shared signature is built once
    here instead of being written out for each of the seven commands.
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("c", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)]
    if version:
        params.append(inspect.Parameter("version", keyword, annotation=str))
    options: list[tuple[str, object, object]] = [
        ("service", None, str | None),
        ("all_", False, bool),
        ("dir_", None, str | None),
        ("dsn", None, str | None),
    ]
    if allow_missing is not None:
        options.append(("allow_missing", False, bool))
    options += [
        ("dry_run", False, bool),
        ("strict", False, bool),
        ("no_lock", False, bool),
        ("lock_timeout", 300, int),
        ("config_dir", None, str | None),
        ("env", "local", str),
    ]
    params += [inspect.Parameter(n, keyword, default=d, annotation=a) for n, d, a in options]

    def body(c: Context, **kwargs: Any) -> None:
        _run(command, **kwargs)

    body.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    body.__doc__ = doc
    body.__name__ = body.__qualname__ = command.replace("-", "_")
    help_ = _RUN_HELP | (_VERSION_HELP if version else {})
    if allow_missing is not None:
        help_ = help_ | {"allow_missing": allow_missing}
    return Task(body, name=command, help=help_, auto_shortflags=False)


up = _run_task(
    "up",
    "Apply every pending migration (each file in its own transaction).",
    allow_missing="also apply unapplied files below the current version",
)
up_by_one = _run_task(
    "up-by-one",
    "Apply the next pending migration only.",
    allow_missing="also consider unapplied files below the current version",
)
up_to = _run_task(
    "up-to",
    "Apply pending migrations up to and including --version.",
    version=True,
    allow_missing="also apply missing files",
)
down = _run_task("down", "Roll back the most recently applied migration.")
down_to = _run_task(
    "down-to",
    "Roll back, newest applied first, down to --version (0 rolls back everything).",
    version=True,
)
redo = _run_task(
    "redo",
    "Roll back the most recent migration and apply it again (one transaction when possible).",
)
reset = _run_task("reset", "Roll back every applied migration, newest applied first.")


@task(auto_shortflags=False, help=_TARGET_HELP | {"json": "print JSON"})
def status(
    c: Context,
    service: str | None = None,
    all_: bool = False,
    dir_: str | None = None,
    dsn: str | None = None,
    json: bool = False,
    config_dir: str | None = None,
    env: str = "local",
) -> None:
    """Show each migration: applied (when), pending, missing, edited. Changes nothing."""
    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import show_status

    selection = _selection(service, all_, dir_, dsn)
    guarded(lambda: show_status(selection, as_json=json, config_dir=config_dir, env=env))


@task(auto_shortflags=False, help=_TARGET_HELP)
def version(
    c: Context,
    service: str | None = None,
    all_: bool = False,
    dir_: str | None = None,
    dsn: str | None = None,
    config_dir: str | None = None,
    env: str = "local",
) -> None:
    """Print the database's current migration version. Changes nothing."""
    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import show_version

    selection = _selection(service, all_, dir_, dsn)
    guarded(lambda: show_version(selection, config_dir=config_dir, env=env))


@task(
    auto_shortflags=False,
    help={
        "name": "what the migration does, e.g. add_user_index",
        "sequential": "number it 00002 (next in sequence) instead of a UTC timestamp",
        "service": _TARGET_HELP["service"],
        "dir": _WRITTEN_DIR_HELP,
        "config_dir": _TARGET_HELP["config_dir"],
    },
)
def create(
    c: Context,
    name: str,
    service: str | None = None,
    dir_: str | None = None,
    sequential: bool = False,
    config_dir: str | None = None,
) -> None:
    """Create a new SQL migration from goose's template."""
    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import create as create_file

    selection = _selection(service, False, dir_, None)
    guarded(lambda: create_file(selection, name, sequential=sequential, config_dir=config_dir))


@task(
    auto_shortflags=False,
    help={
        **{k: _TARGET_HELP[k] for k in ("service", "all", "config_dir")},
        "dir": _WRITTEN_DIR_HELP,
    },
)
def fix(
    c: Context,
    service: str | None = None,
    all_: bool = False,
    dir_: str | None = None,
    config_dir: str | None = None,
) -> None:
    """Renumber timestamped migrations sequentially, like goose fix."""
    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import fix as fix_files

    selection = _selection(service, all_, dir_, None)
    guarded(lambda: fix_files(selection, config_dir=config_dir))


@task(
    auto_shortflags=False,
    help={k: _TARGET_HELP[k] for k in ("service", "all", "dir", "config_dir")},
)
def validate(
    c: Context,
    service: str | None = None,
    all_: bool = False,
    dir_: str | None = None,
    config_dir: str | None = None,
) -> None:
    """Parse every migration (both directions) without a database; report every problem."""
    from avion_workspace.boundary import guarded
    from avion_workspace.migrate.commands import validate as validate_files

    selection = _selection(service, all_, dir_, None)
    guarded(lambda: validate_files(selection, config_dir=config_dir))


ns = Collection(
    "migrate",
    up,
    up_by_one,
    up_to,
    down,
    down_to,
    redo,
    reset,
    status,
    version,
    create,
    fix,
    validate,
)
