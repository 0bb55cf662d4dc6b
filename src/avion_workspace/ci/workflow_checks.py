"""``inv ci.check-workflows``: the workspace policy, actionlint and GitHub's workflow schema.

Every check runs over every workflow file; one failing check never hides another, and the
verdict is decided once at the end.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.ci import policy
from avion_workspace.ci.pipeline import WORKFLOWS_DIR, load_pipeline
from avion_workspace.errors import Problem, ToolMissing
from avion_workspace.process import CommandRunner as Runner
from avion_workspace.process import run_command
from avion_workspace.tools import find_tool, require_tool

SCHEMA = "vendor.github-workflows"  # check-jsonschema's vendored copy of SchemaStore's schema


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    problems: tuple[Problem, ...] = ()


def workflow_files(root: Path) -> list[Path]:
    folder = root / WORKFLOWS_DIR
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def _relative(root: Path, files: list[Path]) -> list[str]:
    return [path.relative_to(root).as_posix() for path in files]


def workspace_task_names() -> frozenset[str]:
    """Every ``inv`` task name (with aliases) the workflows may call."""
    from avion_workspace.tasks import build_namespace

    return frozenset(build_namespace().task_names)


def policy_check(root: Path, files: list[Path]) -> CheckResult:
    bootstrap = load_pipeline(root).bootstrap
    texts = {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8") for path in files}
    from avion_workspace.ci.commands import CommandLines

    problems = policy.files_problems(
        texts, bootstrap, workspace_task_names(), CommandLines(root).problem
    )
    if problems:
        return CheckResult("policy", False, f"{len(problems)} problem(s)", tuple(problems))
    return CheckResult(
        "policy",
        True,
        f"{len(files)} workflows: every run step is a task invoke/nox accepts, actions pinned",
    )


def actionlint_check(root: Path, files: list[Path], runner: Runner = run_command) -> CheckResult:
    actionlint = require_tool(root, "actionlint")
    result = runner([str(actionlint), "-no-color", *_relative(root, files)], cwd=root)
    if result.ok:
        return CheckResult("actionlint", True, f"{len(files)} workflows clean")
    return CheckResult("actionlint", False, result.output)


def _check_jsonschema(root: Path) -> Path:
    found = find_tool(root, "check-jsonschema")
    if found is not None:
        return found
    sibling = Path(sys.executable).parent / "check-jsonschema"
    if sibling.is_file():
        return sibling
    raise ToolMissing("check-jsonschema is not installed", hint='pip install -e ".[test]"')


def schema_check(root: Path, files: list[Path], runner: Runner = run_command) -> CheckResult:
    tool = _check_jsonschema(root)
    result = runner([str(tool), "--builtin-schema", SCHEMA, *_relative(root, files)], cwd=root)
    if result.ok:
        return CheckResult("schema", True, f"{len(files)} workflows match GitHub's workflow schema")
    return CheckResult("schema", False, result.output)


def check_workflows(root: Path, runner: Runner = run_command) -> list[CheckResult]:
    files = workflow_files(root)
    if not files:
        return [CheckResult("policy", False, f"no workflows under {WORKFLOWS_DIR}", ())]
    return [
        policy_check(root, files),
        actionlint_check(root, files, runner),
        schema_check(root, files, runner),
    ]
