"""Workflow run lines are parsed by invoke's and nox's own parsers: a bad argument fails the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.ci import policy
from avion_workspace.ci.commands import CommandLines
from avion_workspace.ci.workflow_checks import policy_check, workflow_files

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def lines() -> CommandLines:
    return CommandLines(ROOT)


@pytest.mark.parametrize(
    "line",
    [
        "inv tools.install helm",
        "inv tools.install --names helm",
        "inv tools.install --name helm --name goose",
        "inv tools.install",
        "inv security.scan bandit",
        "inv infra.logs",
        "inv infra.logs all",
        'inv deploy --env production --tag "$GITHUB_SHA"',
        "nox -s lint",
        "nox -s tests -- tests/unit",
        ".venv/bin/inv render --check",
        "git status",  # not a task runner: not this checker's business
        "inv config.validate && inv render --check   # a comment",
        "NEEDS='{\"unit\": {}}' inv ci.gate",
        "inv tools.list > tools.txt",
    ],
)
def test_accepted_lines(lines: CommandLines, line: str) -> None:
    assert lines.line_problem(line) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("inv tools.install helm goose", "No idea what 'goose' is"),
        ("inv render --no-such-flag", "No idea what '--no-such-flag' is"),
        ("inv no.such-task", "No idea what 'no.such-task' is"),
        ("inv deploy --env", "needed value"),
        ("nox -s no-such-session", "no nox session 'no-such-session'"),
        ("nox --no-such-option", "unrecognized arguments: --no-such-option"),
        ("inv render && inv render --nope", "No idea what '--nope' is"),
        ("echo x | nox -s nope", "no nox session 'nope'"),
    ],
)
def test_refused_lines(lines: CommandLines, line: str, message: str) -> None:
    assert message in (lines.line_problem(line) or "")


def test_a_workflow_step_with_an_argument_the_task_refuses_is_a_located_problem(
    lines: CommandLines,
) -> None:
    text = (
        "on: push\npermissions: {contents: read}\njobs:\n  deploy:\n"
        "    runs-on: ubuntu-latest\n    permissions: {contents: read}\n    steps:\n"
        "      - run: inv tools.install helm\n"
        "      - run: inv charts.push --no-such-flag\n"
    )
    problems = policy.workflow_problems(text, "w.yml", argv_check=lines.problem)
    assert [(p.location.line if p.location else None, p.json_path) for p in problems] == [
        (9, "$.jobs.deploy.steps[1].run")
    ]
    assert "would fail: invoke refuses it: No idea what '--no-such-flag' is!" in problems[0].message


def test_the_committed_workflows_pass_the_parser_check() -> None:
    result = policy_check(ROOT, workflow_files(ROOT))
    assert result.ok, "\n".join(p.render() for p in result.problems)
