"""The workflow policy: what every GitHub workflow in the workspace must respect.

- every ``run:`` line calls ``inv`` or ``nox``, or is one of the bootstrap lines that install
  the workspace itself (listed in workflows/pipeline.yaml); ``inv ci.check-workflows`` also
  parses each such line with invoke's and nox's own parsers (:mod:`.commands`), so a task
  argument the task does not accept fails here, not in the job;
- no ``${{ }}`` expression inside ``run:`` (values reach scripts through ``env:``);
- no shell operators or command substitution in ``run:``: one task per line;
- read-only ``permissions:`` at the top, explicit ``permissions:`` on every job, and
  ``id-token: write`` only on jobs that run in a protected ``environment``;
- every action pinned to a full 40-hex commit SHA with its release in a comment;
- no ``pull_request_target`` or ``workflow_run`` triggers.

Pure: text in, located :class:`Problem` values out. Used on the pipeline definition before
rendering and on every file under .github/workflows by ``inv ci.check-workflows``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avion_workspace.errors import Location, Problem

TASK_RUNNERS = ("inv", "nox")
DANGEROUS_TRIGGERS = ("pull_request_target", "workflow_run")
READ_ONLY = ("read", "none")

_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
_PIN_COMMENT = re.compile(r"#\s*v?\d")
_EXPRESSION = "${{"

# Why an argv would fail to parse (invoke's and nox's own parsers; see ci/commands.py), or None.
ArgvCheck = Callable[[Sequence[str]], "str | None"]


def normalize_command(command: str) -> str:
    return " ".join(command.split())


def command_problem(
    command: str,
    bootstrap: Iterable[str] = (),
    tasks: Collection[str] | None = None,
    argv_check: ArgvCheck | None = None,
) -> str | None:
    """Why one (already joined) shell line breaks the policy, or None when it is fine.

    With ``tasks`` (the workspace's task names), an ``inv`` line must name an existing task;
    with ``argv_check``, the whole line must parse as the task runner would parse it.
    """
    line = normalize_command(command)
    if not line or line.startswith("#"):
        return None
    if _EXPRESSION in line:
        return (
            "a ${{ }} expression inside run: is interpolated into the script before the shell "
            'sees it; pass the value through env: and use "$NAME"'
        )
    if line in {normalize_command(b) for b in bootstrap}:
        return None
    if "$(" in line or "`" in line:
        return f"command substitution in {line!r}; a task computes what it needs itself"
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:
        return f"cannot parse {line!r}: {exc}"
    operators = [t for t in tokens if t and all(ch in "();<>|&" for ch in t)]
    if operators:
        return (
            f"shell operator {operators[0]!r} in {line!r}; write one task per line "
            "(a task that needs to do more does it in Python)"
        )
    if tokens[0] not in TASK_RUNNERS:
        return (
            f"{line!r} runs {tokens[0]!r}, not a workspace task; call `inv` or `nox` so CI does "
            "what a developer runs (bootstrap lines go under `bootstrap:` in workflows/pipeline.yaml)"
        )
    if tokens[0] == "inv" and tasks is not None:
        name = next((t for t in tokens[1:] if not t.startswith("-")), None)
        if name is not None and name not in tasks:
            return f"{line!r} calls `inv {name}`, which is not a workspace task (see `inv --list`)"
    if argv_check is not None:
        why = argv_check(tokens)
        if why is not None:
            return f"{line!r} would fail: {why}"
    return None


def script_lines(script: str) -> Iterator[tuple[int, str]]:
    """(0-based line offset, logical line) of a shell script, joining ``\\`` continuations."""
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(script.splitlines()):
        if not pending:
            start = offset
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        yield start, " ".join(pending)
        pending = []
    if pending:
        yield start, " ".join(pending)


def script_problems(
    script: str,
    bootstrap: Iterable[str] = (),
    tasks: Collection[str] | None = None,
    argv_check: ArgvCheck | None = None,
) -> Iterator[tuple[int, str]]:
    allowed = tuple(bootstrap)
    for offset, line in script_lines(script):
        message = command_problem(line, allowed, tasks, argv_check)
        if message is not None:
            yield offset, message


# --- workflow files -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """A composed YAML node with its mapping children by key (keys kept as written)."""

    node: Node

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.node, MappingNode)

    def items(self) -> Iterator[tuple[str, _Node]]:
        for name, _, value in self.entries():
            yield name, value

    def entries(self) -> Iterator[tuple[str, _Node, _Node]]:
        """(key, key node, value node) of a mapping."""
        if isinstance(self.node, MappingNode):
            for key, value in self.node.value:
                if isinstance(key, ScalarNode):
                    yield str(key.value), _Node(key), _Node(value)

    def get(self, key: str) -> _Node | None:
        return next((value for name, value in self.items() if name == key), None)

    def sequence(self) -> list[_Node]:
        return [_Node(n) for n in self.node.value] if isinstance(self.node, SequenceNode) else []

    @property
    def scalar(self) -> str | None:
        return str(self.node.value) if isinstance(self.node, ScalarNode) else None

    def mapping(self) -> dict[str, str | None]:
        return {key: value.scalar for key, value in self.items()}

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def column(self) -> int:
        return self.node.start_mark.column + 1


class _Checker:
    def __init__(
        self,
        text: str,
        source: str,
        bootstrap: Iterable[str],
        tasks: Collection[str] | None,
        argv_check: ArgvCheck | None = None,
    ) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.bootstrap = tuple(bootstrap)
        self.tasks = tasks
        self.argv_check = argv_check
        self.problems: list[Problem] = []

    def add(self, node: _Node, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(message, Location(self.source, node.line, node.column), path, hint)
        )

    def check(self, root: _Node) -> None:
        if not root.is_mapping:
            self.add(root, "$", "a workflow must be a mapping")
            return
        self.check_triggers(root)
        self.check_top_permissions(root)
        jobs = root.get("jobs")
        if jobs is None or not jobs.is_mapping:
            self.add(root, "$.jobs", "no jobs mapping")
            return
        for job_id, key, job in jobs.entries():
            self.check_job(job_id, key, job)

    def check_triggers(self, root: _Node) -> None:
        triggers = root.get("on")
        if triggers is None:
            return
        names = [n.scalar for n in triggers.sequence()] + [name for name, _ in triggers.items()]
        names.append(triggers.scalar)
        for name in names:
            if name in DANGEROUS_TRIGGERS:
                self.add(
                    triggers,
                    "$.on",
                    f"trigger {name} runs with secrets on code from forks",
                    "use pull_request (and workflow_call from a trusted workflow)",
                )

    def check_top_permissions(self, root: _Node) -> None:
        permissions = root.get("permissions")
        if permissions is None:
            self.add(
                root,
                "$.permissions",
                "no top-level permissions: the token gets the repository default",
                "add `permissions: {contents: read}` at the top and grant writes per job",
            )
            return
        if not permissions.is_mapping:
            self.add(
                permissions,
                "$.permissions",
                f"top-level permissions {permissions.scalar!r} is not least privilege",
                "use `permissions: {contents: read}`",
            )
            return
        for scope, level in permissions.mapping().items():
            if level not in READ_ONLY:
                self.add(
                    permissions,
                    f"$.permissions.{scope}",
                    f"top-level permission {scope}: {level} applies to every job",
                    "keep the top read-only and grant the write on the one job that needs it",
                )

    def check_job(self, job_id: str, key: _Node, job: _Node) -> None:
        path = f"$.jobs.{job_id}"
        permissions = job.get("permissions")
        if permissions is None:
            self.add(
                key,
                f"{path}.permissions",
                f"job {job_id} has no permissions",
                "give every job explicit permissions, e.g. `{contents: read}`",
            )
        elif not permissions.is_mapping:
            self.add(
                permissions,
                f"{path}.permissions",
                f"job {job_id} permissions {permissions.scalar!r} is too broad",
                "list the scopes the job needs",
            )
        elif permissions.mapping().get("id-token") == "write" and job.get("environment") is None:
            self.add(
                permissions,
                f"{path}.permissions.id-token",
                f"job {job_id} can mint cloud credentials (id-token: write) outside an environment",
                "run it in a protected environment (`environment:`) so reviewers gate it",
            )
        uses = job.get("uses")
        if uses is not None:
            self.check_uses(uses, f"{path}.uses")
        steps = job.get("steps")
        for index, step in enumerate(steps.sequence() if steps else []):
            step_path = f"{path}.steps[{index}]"
            step_uses = step.get("uses")
            if step_uses is not None:
                self.check_uses(step_uses, f"{step_path}.uses")
            run = step.get("run")
            if run is not None and run.scalar is not None:
                self.check_run(run, f"{step_path}.run")

    def check_uses(self, node: _Node, path: str) -> None:
        ref = node.scalar or ""
        if ref.startswith("./"):
            return
        if ref.startswith("docker://"):
            if "@sha256:" not in ref:
                self.add(
                    node,
                    path,
                    f"container {ref} is not pinned by digest",
                    "use docker://image@sha256:<digest>",
                )
            return
        if not _PINNED.match(ref):
            self.add(
                node,
                path,
                f"action {ref} is not pinned to a full commit SHA",
                "pin it as owner/repo@<40-hex sha> # vX.Y.Z (in workflows/pipeline.yaml)",
            )
            return
        source_line = self.lines[node.line - 1] if node.line - 1 < len(self.lines) else ""
        comment = source_line.partition(ref)[2]
        if not _PIN_COMMENT.search(comment):
            self.add(
                node,
                path,
                f"action {ref} has no version comment",
                "write the release after the SHA: `# v1.2.3`",
            )

    def check_run(self, node: _Node, path: str) -> None:
        script = node.scalar or ""
        # A block scalar (`run: |`) starts on the line after the indicator.
        first = node.line + (
            1 if isinstance(node.node, ScalarNode) and node.node.style in ("|", ">") else 0
        )
        for offset, message in script_problems(script, self.bootstrap, self.tasks, self.argv_check):
            self.problems.append(Problem(message, Location(self.source, first + offset), path))


def workflow_problems(
    text: str,
    source: str,
    bootstrap: Iterable[str] = (),
    tasks: Collection[str] | None = None,
    argv_check: ArgvCheck | None = None,
) -> list[Problem]:
    """Every policy problem of one workflow file, located."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        loc = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source)
        return [Problem(f"YAML syntax error: {exc.problem}", loc)]
    if root is None:
        return [Problem("the workflow is empty", Location(source, 1, 1))]
    checker = _Checker(text, source, bootstrap, tasks, argv_check)
    checker.check(_Node(root))
    return checker.problems


def files_problems(
    files: Mapping[str, str],
    bootstrap: Iterable[str] = (),
    tasks: Collection[str] | None = None,
    argv_check: ArgvCheck | None = None,
) -> list[Problem]:
    """Policy problems of several workflows (``{source name: text}``); none hides another."""
    allowed = tuple(bootstrap)
    problems: list[Problem] = []
    for source, text in sorted(files.items()):
        problems.extend(workflow_problems(text, source, allowed, tasks, argv_check))
    return problems
