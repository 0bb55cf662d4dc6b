"""Would this ``inv …`` / ``nox …`` command line be accepted? Asked of invoke's and nox's own parsers.

The workflow policy (``inv ci.check-workflows``) and the documentation tests use this to catch a
command that names a task or session that does not exist, or passes arguments the task does not
accept (``inv tools.install helm`` when the task took only ``--names``) — before a deploy job or
a new engineer runs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CommandCheck = Callable[[Sequence[str]], "str | None"]


def invoke_check() -> CommandCheck:
    """Parse ``inv`` argv against the workspace namespace, as ``inv`` itself does."""
    from invoke.exceptions import ParseError
    from invoke.parser import Parser
    from invoke.parser.context import ParserContext
    from invoke.program import Program

    from avion_workspace.tasks import build_namespace

    contexts = build_namespace().to_contexts()
    core = Program().core_args()

    def check(argv: Sequence[str]) -> str | None:
        parser = Parser(initial=ParserContext(args=core), contexts=contexts)
        try:
            parser.parse_argv(list(argv))
        except ParseError as exc:
            return f"invoke refuses it: {exc}"
        return None

    return check


def nox_sessions(root: Path) -> frozenset[str]:
    """The session names the workspace's noxfile.py defines (loaded the way nox loads it)."""
    from nox import registry

    spec = importlib.util.spec_from_file_location("avion_noxfile", root / "noxfile.py")
    if spec is None or spec.loader is None:
        return frozenset()
    module = importlib.util.module_from_spec(spec)
    # nox keeps one global registry; load into an empty one and put the old one back.
    saved = dict(registry._REGISTRY)
    registry._REGISTRY.clear()
    try:
        spec.loader.exec_module(module)
        return frozenset(registry.get())
    finally:
        registry._REGISTRY.clear()
        registry._REGISTRY.update(saved)


def nox_check(root: Path) -> CommandCheck:
    """Parse ``nox`` argv with nox's own option parser; every ``-s`` session must exist."""
    from nox._options import options

    sessions = nox_sessions(root)

    def check(argv: Sequence[str]) -> str | None:
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                parsed: Any = options.parser().parse_args(list(argv))
        except SystemExit:
            return f"nox refuses it: {stderr.getvalue().strip().splitlines()[-1]}"
        unknown = [s for s in parsed.sessions or [] if s not in sessions]
        if unknown:
            return f"no nox session {', '.join(map(repr, unknown))} (sessions: {', '.join(sorted(sessions))})"
        return None

    return check


class CommandLines:
    """Checks whole ``inv``/``nox`` lines; other programs are not its business (returns None)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._checks: dict[str, CommandCheck] = {}

    def _check(self, program: str) -> CommandCheck | None:
        if program not in self._checks:
            if program == "inv":
                self._checks[program] = invoke_check()
            elif program == "nox":
                self._checks[program] = nox_check(self.root)
            else:
                return None
        return self._checks[program]

    def problem(self, tokens: Sequence[str]) -> str | None:
        """Why this argv (``["inv", "tools.install", "helm"]``) would fail to parse, or None."""
        if not tokens:
            return None
        program = Path(tokens[0]).name
        check = self._check(program)
        return None if check is None else check(tokens[1:])

    def line_problem(self, line: str) -> str | None:
        """Check every ``inv``/``nox`` command of a shell line (``a && b | c; d`` are four)."""
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError as exc:
            return f"cannot parse {line!r}: {exc}"
        for command in _commands(tokens):
            why = self.problem(command)
            if why is not None:
                return why
        return None


_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")"}
_REDIRECTS = {">", ">>", "<", "2>", "&>", ">&", "2>&1"}


def _commands(tokens: Sequence[str]) -> list[list[str]]:
    """Simple commands of a tokenized shell line: split on operators, without redirections and
    leading ``NAME=value`` assignments."""
    commands: list[list[str]] = [[]]
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
        elif token in _SEPARATORS:
            commands.append([])
        elif token in _REDIRECTS:
            skip_next = True
        elif not commands[-1] and "=" in token and token.split("=", 1)[0].isidentifier():
            continue
        else:
            commands[-1].append(token)
    return [c for c in commands if c]
