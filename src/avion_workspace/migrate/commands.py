"""The ``inv migrate.*`` commands: resolve targets, run the engine, print the results.

Everything here returns normally or raises an :class:`AvionError`; the task boundary turns that
into an exit code. Output goes through ``echo`` so tests can capture it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from avion_migrate.errors import MigrationError, Problem, ServicesFailed
from avion_migrate.runner import (
    Command,
    Outcome,
    RunOptions,
    RunResult,
    StatusReport,
    Target,
    current_version,
    migrate,
    run_each,
    status,
)
from avion_migrate.source import MAX_VERSION

from avion_workspace.migrate import report
from avion_workspace.migrate.create import create_migration
from avion_workspace.migrate.fix import fix_directory
from avion_workspace.migrate.targets import (
    Selection,
    check_selection,
    workspace_targets,
)
from avion_workspace.migrate.validate import validate_directory
from avion_workspace.workspace import find_root

T = TypeVar("T")
Echo = Callable[[str], None]


def _targets(
    selection: Selection, *, config_dir: str | None, env: str, need_database: bool
) -> tuple[Target, ...]:
    check_selection(selection)
    # --dir works anywhere; --service/--all need the workspace (its config and .env).
    root = Path.cwd() if selection.directory is not None else find_root()
    return workspace_targets(
        selection,
        root=root,
        config_dir=Path(config_dir) if config_dir else None,
        env=env,
        need_database=need_database,
    )


def _writable(selection: Selection, target: Target) -> Path:
    """The folder create/fix may write in, after the workspace path policy.

    ``--service``: the service's migrations folder, relative to the workspace, outside .git and
    reached through real folders only (the folder itself included). ``--dir``: an existing
    folder the user named (anywhere, as goose's ``-dir``), but never empty, never a link,
    never (even through a link) inside a .git folder; a missing folder is not created.
    """
    from avion_workspace.pathpolicy import UnsafePath, relative_inside

    if selection.directory is None:
        root = find_root()
        relative_inside(root, target.directory, what="migrations folder", folder=True)
        return target.directory
    if not selection.directory.strip():
        raise UnsafePath(
            "--dir is empty; refusing to write into the current folder",
            hint="name the migrations folder, e.g. --dir services/auth/migrations",
        )
    directory = Path(os.path.normpath(Path.cwd() / target.directory))
    resolved = directory.resolve()
    if directory.is_symlink() or any(
        part.lower() == ".git" for part in (*directory.parts, *resolved.parts)
    ):
        raise UnsafePath(
            f"migrations folder {target.directory} is under .git or is a link; refusing to "
            "write there",
            hint="name the real folder",
        )
    if not directory.is_dir():
        state = "does not exist" if not directory.exists() else "is not a folder"
        raise UnsafePath(
            f"migrations folder {target.directory} {state}; refusing to write there",
            hint="name an existing folder (create it first with mkdir if you meant a new one)",
        )
    return target.directory


def _finish(
    outcomes: Sequence[Outcome[T]], many: bool, echo: Echo, *, summary: bool = True
) -> list[T]:
    """Raise the single target's error, or for several print a summary and fail if any did."""
    if not many:
        (outcome,) = outcomes
        if outcome.error is not None:
            raise outcome.error
        assert outcome.value is not None
        return [outcome.value]
    if summary:
        echo(report.format_summary(outcomes))
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        problems: list[Problem] = []
        for outcome in failed:
            error = outcome.error
            assert error is not None
            problems.append(Problem(f"{outcome.target.name}: {error.message}", hint=error.hint))
            problems.extend(error.problems)
        raise ServicesFailed(f"{len(failed)} of {len(outcomes)} services failed", problems=problems)
    return [o.value for o in outcomes if o.value is not None]


def parse_version_arg(text: str | int | None) -> int | None:
    if text is None or isinstance(text, int):
        return text
    try:
        version = int(text.strip(), 10)
    except ValueError:
        raise MigrationError(f"version must be a number (got {text!r})") from None
    if not 0 <= version <= MAX_VERSION:
        raise MigrationError(
            f"version {text.strip()} is out of range",
            hint=f"versions are 0 to {MAX_VERSION} (a signed 64-bit integer, as goose stores them)",
        )
    return version


def run_migration(
    selection: Selection,
    command: Command,
    *,
    options: RunOptions,
    version: int | None = None,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> list[RunResult]:
    targets = _targets(selection, config_dir=config_dir, env=env, need_database=True)
    many = selection.all_services

    def action(target: Target) -> RunResult:
        result = migrate(target, command, version=version, options=options)
        if not many:
            echo(report.format_run(result))
        return result

    outcomes = run_each(targets, action)
    if many:
        for outcome in outcomes:
            if outcome.value is not None:
                echo(report.format_run(outcome.value))
    return _finish(outcomes, many, echo)


def show_status(
    selection: Selection,
    *,
    as_json: bool = False,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> list[StatusReport]:
    targets = _targets(selection, config_dir=config_dir, env=env, need_database=True)
    outcomes = run_each(targets, status)
    many = selection.all_services
    if as_json:
        echo(report.status_json([o.value for o in outcomes if o.value is not None]))
    else:
        for outcome in outcomes:
            if outcome.value is not None:
                echo(report.format_status(outcome.value))
    return _finish(outcomes, many, echo, summary=not as_json)


def show_version(
    selection: Selection,
    *,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> list[int]:
    targets = _targets(selection, config_dir=config_dir, env=env, need_database=True)
    outcomes = run_each(targets, current_version)
    for outcome in outcomes:
        if outcome.error is None:
            echo(f"{outcome.target.name}: version {outcome.value}")
    return _finish(outcomes, selection.all_services, echo, summary=False)


def validate(
    selection: Selection,
    *,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> None:
    targets = _targets(selection, config_dir=config_dir, env=env, need_database=False)
    environ = dict(os.environ)
    outcomes = run_each(targets, lambda t: validate_directory(t.directory, environ), parallel=False)
    for outcome in outcomes:
        if outcome.value is not None:
            echo(report.format_validate(str(outcome.target.directory), outcome.value))
    _finish(outcomes, selection.all_services, echo, summary=False)


def create(
    selection: Selection,
    name: str,
    *,
    sequential: bool = False,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> Path:
    if selection.all_services:
        raise MigrationError("migrate.create needs one folder: --service NAME or --dir PATH")
    (target,) = _targets(selection, config_dir=config_dir, env=env, need_database=False)
    path = create_migration(_writable(selection, target), name, sequential=sequential)
    echo(f"created {path}")
    return path


def fix(
    selection: Selection,
    *,
    config_dir: str | None = None,
    env: str = "local",
    echo: Echo = print,
) -> None:
    targets = _targets(selection, config_dir=config_dir, env=env, need_database=False)
    for target in targets:
        renames = fix_directory(_writable(selection, target))
        if not renames:
            echo(f"{target.name}: no timestamped migrations to renumber")
        for rename in renames:
            echo(f"{target.name}: RENAMED {rename.old.name} => {rename.new.name}")
