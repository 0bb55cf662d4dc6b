"""Optional positional arguments for invoke tasks.

Invoke treats every positional argument as required: ``inv infra.logs`` fails with "did not
receive required positional arguments", and an ``iterable`` positional never takes a value
(``inv tools.install helm`` failed with "No idea what 'helm' is!"). Users naturally type both
forms, so a task declared with ``klass=OptionalPositionalTask`` gets optional positionals:

a positional parameter that has a default in the task's signature takes the next bare word when
one follows the task name (``inv tools.install helm``, same as ``--names helm``) and is simply
left at its default otherwise (``inv infra.logs``). Lists are typed comma-separated
(``helm,goose``; :func:`split_names`).

Invoke's parser asks whether a positional is still missing (``arg.value is None``) while
handling a word ("should this word fill it?") and when a task's arguments end ("is anything
required still missing?"). An optional one answers "missing" only to the first question, and
only for a bare word (``--help`` after a task still means help); it tells the questions apart
by the parser method asking. ``tests/unit/tasks/test_task_arguments.py`` pins this through
invoke's own Parser, so an invoke release that changes it fails there, not in a user's shell.
"""

from __future__ import annotations

import inspect
import sys
from types import FrameType
from typing import Any

from invoke.parser.argument import Argument
from invoke.tasks import Task

# The parser methods that ask "is this positional still missing?".
_FILL = frozenset({"handle", "see_positional_arg"})
_COMPLETE = frozenset({"complete_context", "check_ambiguity"})
_LEFT_OUT = object()  # what an unfilled optional positional answers outside _FILL


def _asker() -> tuple[str, Any] | None:
    """(name, the ``token`` it handles) of the nearest parser method up the stack, if any."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return None
        name = frame.f_code.co_name
        if name in _FILL or name in _COMPLETE:
            return name, frame.f_locals.get("token")
        frame = frame.f_back
    return None


class OptionalPositional(Argument):
    """A positional argument that may be left out (its value is then the task's default)."""

    @property
    def value(self) -> Any:
        current = super().value
        if current is not None:
            return current
        asker = _asker()
        if asker is None:
            return current
        name, token = asker
        if name == "see_positional_arg" or (
            name == "handle" and isinstance(token, str) and not token.startswith("-")
        ):
            return None  # a bare word after the task name: it fills this positional
        return _LEFT_OUT

    @value.setter
    def value(self, arg: str) -> None:
        self.set_value(arg, cast=True)


class OptionalPositionalTask(Task[Any]):
    """A task whose defaulted positional parameters are optional on the command line."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        signature = self.argspec(self.body)
        arguments: list[Argument] = super().get_arguments(ignore_unknown_help=ignore_unknown_help)
        for argument in arguments:
            parameter = signature.parameters.get(argument.name or "")
            if (
                argument.positional
                and parameter is not None
                and parameter.default is not inspect.Parameter.empty
            ):
                argument.__class__ = OptionalPositional
        return arguments


def split_names(value: str | None) -> list[str]:
    """``"helm,goose"`` → ``["helm", "goose"]``; ``None`` → ``[]`` (meaning: all).

    A value that names nothing (``""``, ``","``) is refused: it must not mean "all".
    """
    if value is None:
        return []
    names = [name for name in value.replace(",", " ").split() if name]
    if not names:
        from avion_workspace.errors import AvionError

        raise AvionError(
            f"no name given ({value!r}); an empty name does not mean all",
            hint="name what you want (e.g. `helm` or `helm,goose`), or leave it out for all",
        )
    return names
