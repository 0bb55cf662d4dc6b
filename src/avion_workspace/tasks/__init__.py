"""Invoke collections, one module per namespace; :func:`build_namespace` assembles the root.

Every module here imports only invoke and the standard library at module level.

:func:`build_namespace` also wraps every task body once, centrally (task modules stay plain):

- ``--help`` / ``-h`` anywhere in a task's arguments prints that task's help and runs nothing.
  invoke hands a flag that follows an option or positional expecting a value to the task as
  that value (``inv migrate.create --help`` would create a migration named ``--help``, and a
  task with two positionals fails to parse). When the namespace is built for the ``inv``
  command, the arguments still to be parsed are checked first and a help flag after a task
  name becomes ``inv --help TASK`` (invoke's own per-task help); the wrapper catches any value that still carries one.
- Ctrl-C is exit 130 at any moment: the ``inv``/``invoke``/``avion`` scripts install
  :func:`avion_workspace.cli.on_interrupt` as their first statement (invoke's import, ``tasks.py``
  discovery); from this module's import on, the handler below also lets a running task clean up
  (:func:`avion_workspace.boundary.guarded` turns the interrupt into 130 after clean-up). Only
  the interpreter's own start-up, before any script code runs, is out of reach. See
  docs/decisions/0050-trust-boundaries.md.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from invoke.collection import Collection
from invoke.tasks import Task

from avion_workspace.cli import EXIT_INTERRUPTED, exit_interrupted, on_interrupt

HELP_FLAGS = frozenset({"--help", "-h"})

# True while a task body runs: Ctrl-C then raises KeyboardInterrupt so clean-up code runs.
_in_task = False


def _on_interrupt(signum: int, frame: object) -> None:
    if _in_task:
        raise KeyboardInterrupt
    # Parsing or loading: nothing to clean up; leave at once with the conventional code.
    on_interrupt(signum, frame)


def _end_on_swallowed_interrupt(unraisable: Any) -> None:
    """``sys.unraisablehook`` under ``inv``: a Ctrl-C whose ``KeyboardInterrupt`` landed in a
    weakref callback, a finalizer or a GC callback cannot unwind the task (Python prints
    "Exception ignored" and carries on as if never interrupted), and cannot be delivered again
    from here (the handler would run inside this hook). So it ends the command as the user
    asked: "interrupted", exit 130, without the task's clean-up, as a kill at that moment would;
    every writer tolerates that (journalled manifest, temporary files swept by the next run;
    docs/decisions/0050-trust-boundaries.md). Any other unraisable exception is reported as
    before."""
    if isinstance(unraisable.exc_type, type) and issubclass(unraisable.exc_type, KeyboardInterrupt):
        on_interrupt(signal.SIGINT, None)
    _previous_unraisablehook(unraisable)


_previous_unraisablehook = sys.unraisablehook


def install_interrupt_handler() -> None:
    """Ctrl-C → exit 130 from now on, when running as a command (main thread only): under
    invoke's ``program`` (our ``inv`` script, invoke's own, ``python -m invoke``) or a script
    that installed :func:`avion_workspace.cli.on_interrupt` (``avion``).

    A process that merely imports the tasks (a test, a tool listing them) keeps its handler, and
    one started with SIGINT ignored (a script's background job) keeps ignoring it.
    """
    current = signal.getsignal(signal.SIGINT)
    if current is signal.SIG_IGN:
        return
    if "invoke.main" not in sys.modules and current is not on_interrupt:
        return
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, _on_interrupt)
        sys.unraisablehook = _end_on_swallowed_interrupt


def allow_bytecode_cache() -> None:
    """Let the engine's modules be cached as bytecode again under ``inv``.

    invoke turns bytecode writing off for the whole process (so no ``tasks.pyc`` lands next to
    ``tasks.py``), which would leave every engine module to be compiled from source on each
    ``inv`` run of a workspace where only ``inv`` imports it: about 0.1 s of CPU per command
    (benchmarks/cli.sh). ``tasks.py`` is compiled by now, so turning it back on here changes
    nothing for it. ``PYTHONDONTWRITEBYTECODE`` and ``inv --write-pyc`` are still obeyed.
    """
    if "invoke.main" in sys.modules and not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        sys.dont_write_bytecode = False


# As early as the workspace's code runs under ``inv``: tasks.py imports this module first.
install_interrupt_handler()
allow_bytecode_cache()


def _asks_for_help(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    values = [*args[1:], *kwargs.values()]
    for value in values:
        if isinstance(value, str) and value in HELP_FLAGS:
            return True
        if isinstance(value, list | tuple) and any(
            isinstance(v, str) and v in HELP_FLAGS for v in value
        ):
            return True
    return False


def _print_help(root: Collection, name: str) -> None:
    from invoke.program import Program

    Program(namespace=root, binary="inv").run(["inv", "--help", name], exit=False)


def _redirect_help(root: Collection) -> None:
    """``inv TASK ... --help ...`` → ``inv --help TASK`` before invoke parses the task's args."""
    try:
        from invoke.main import program
    except ImportError:  # pragma: no cover - invoke always ships it
        return
    core = getattr(program, "core", None)
    if core is None or not hasattr(core, "unparsed"):
        return
    tokens: list[str] = list(core.unparsed)
    flags = [
        i for i, token in enumerate(tokens) if token in HELP_FLAGS or token.startswith("--help=")
    ]
    if not flags:
        return
    known = set(root.task_names) | {a for aliases in root.task_names.values() for a in aliases}
    for index in range(flags[0] - 1, -1, -1):
        if tokens[index] in known:
            core[0].args.help.value = tokens[index]
            core.unparsed[:] = []
            return


def _wrap(task: Task[Any], name: str, root: Collection) -> None:
    body: Callable[..., Any] = task.body
    if getattr(body, "__avion_wrapped__", False):
        return

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        global _in_task
        if _asks_for_help(args, kwargs):
            _print_help(root, name)
            return None
        try:
            # Inside the try: a Ctrl-C right after it is set still unwinds here, never out to
            # invoke (which would exit 1).
            _in_task = True
            return body(*args, **kwargs)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            exit_interrupted()
        except SystemExit as exc:
            if exc.code == EXIT_INTERRUPTED:  # the boundary already said "interrupted"
                exit_interrupted()
            raise
        finally:
            _in_task = False

    run.__avion_wrapped__ = True  # type: ignore[attr-defined]
    task.body = run


# (module, attribute) of each sub-collection, in --list order.
_NAMESPACES = (
    "config",
    "charts",
    "monitoring",
    "ci",
    "security",
    "infra",
    "migrate",
    "service",
    "proto",
    "tools",
    "cdn",
    "storage",
    "k8s",
)
# Top-level tasks (inv setup, inv doctor, ...) live in :mod:`.root`.


def build_namespace() -> Collection:
    from avion_workspace.tasks import root

    ns = Collection()
    for task in root.TASKS:
        ns.add_task(task)
    for name in _NAMESPACES:
        module = importlib.import_module(f"avion_workspace.tasks.{name}")
        ns.add_collection(module.ns)
    for name in ns.task_names:
        _wrap(ns[name], name, ns)
    _redirect_help(ns)
    return ns
