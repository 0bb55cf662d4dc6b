"""The workflow policy: tasks-only run steps, pinned actions, least-privilege permissions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from avion_workspace.ci.policy import command_problem, script_lines, workflow_problems

SHA = "08c6903cd8c0fde910a37f88322edcfb5dd907a8"  # pragma: allowlist secret
BOOTSTRAP = ('python -m pip install -e ".[dev]"',)


@pytest.mark.parametrize(
    "command",
    [
        'inv ci.affected --base "$BASE_SHA" --github-output',
        "nox -s tests -- tests/unit",
        'inv deploy --env staging --image-tag "$GITHUB_SHA"',
        'python -m pip install   -e ".[dev]"',  # a bootstrap line, whitespace aside
        "# a comment",
        "",
    ],
)
def test_tasks_and_bootstrap_lines_pass(command: str) -> None:
    assert command_problem(command, BOOTSTRAP) is None


def test_another_program_is_refused_with_what_to_do() -> None:
    assert command_problem("curl -fsSL https://example.test/install.sh", BOOTSTRAP) == (
        "'curl -fsSL https://example.test/install.sh' runs 'curl', not a workspace task; call "
        "`inv` or `nox` so CI does what a developer runs (bootstrap lines go under `bootstrap:` "
        "in workflows/pipeline.yaml)"
    )


def test_an_expression_in_a_script_is_refused_even_in_a_bootstrap_line() -> None:
    message = command_problem('inv x --title "${{ github.event.issue.title }}"', BOOTSTRAP)
    assert message is not None
    assert message.startswith("a ${{ }} expression inside run: is interpolated")
    assert (
        command_problem('python -m pip install -e ".[${{ inputs.extra }}]"', BOOTSTRAP) is not None
    )


@pytest.mark.parametrize(
    ("command", "operator"),
    [
        ("inv a && curl x", "&&"),
        ("inv a; rm -rf /", ";"),
        ("inv a | sh", "|"),
        ("inv a > out", ">"),
    ],
)
def test_shell_operators_are_refused(command: str, operator: str) -> None:
    message = command_problem(command)
    assert message is not None
    assert message.startswith(f"shell operator {operator!r}")


def test_quoted_operators_are_arguments_not_operators() -> None:
    assert command_problem('inv notes --text "a && b; c"') is None


def test_command_substitution_and_env_prefixes_are_refused() -> None:
    assert "command substitution" in (command_problem('inv x --tag "$(git rev-parse HEAD)"') or "")
    assert "command substitution" in (command_problem("inv x --tag `date`") or "")
    assert "runs 'FOO=1'" in (command_problem("FOO=1 inv x") or "")


def test_continued_lines_are_one_command() -> None:
    script = "inv deploy \\\n  --env staging\nnox -s lint\n"
    lines = [(offset, " ".join(line.split())) for offset, line in script_lines(script)]
    assert lines == [(0, "inv deploy --env staging"), (2, "nox -s lint")]


def _workflow(body: str) -> str:
    return textwrap.dedent(body).lstrip()


GOOD = _workflow(
    f"""
    name: ok
    on:
      pull_request: {{}}
    permissions:
      contents: read
    jobs:
      test:
        runs-on: ubuntu-24.04
        permissions:
          contents: read
        steps:
          - uses: actions/checkout@{SHA}  # v5.0.0
          - uses: ./.github/actions/local
          - run: |
              {BOOTSTRAP[0]}
              nox -s lint
      deploy:
        runs-on: ubuntu-24.04
        environment: staging
        permissions:
          contents: read
          id-token: write
        steps:
          - run: inv deploy --env staging
    """
)


def test_a_compliant_workflow_has_no_problems() -> None:
    assert workflow_problems(GOOD, "ok.yml", BOOTSTRAP) == []


def test_problems_are_located_with_a_path_and_hint() -> None:
    text = _workflow(
        """
        on: [push, pull_request_target]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c
              - run: |
                  inv build
                  echo "${{ github.event.pull_request.title }}"
          release:
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - uses: docker://alpine:3.20
        """
    )
    rendered = [p.render() for p in workflow_problems(text, "bad.yml", BOOTSTRAP)]
    assert rendered == [
        "bad.yml:1:5: $.on: trigger pull_request_target runs with secrets on code from forks\n"
        "    hint: use pull_request (and workflow_call from a trusted workflow)",
        "bad.yml:1:1: $.permissions: no top-level permissions: the token gets the repository default\n"
        "    hint: add `permissions: {contents: read}` at the top and grant writes per job",
        "bad.yml:3:3: $.jobs.build.permissions: job build has no permissions\n"
        "    hint: give every job explicit permissions, e.g. `{contents: read}`",
        "bad.yml:6:15: $.jobs.build.steps[0].uses: action actions/checkout@v4 is not pinned to a full "
        "commit SHA\n    hint: pin it as owner/repo@<40-hex sha> # vX.Y.Z (in workflows/pipeline.yaml)",
        "bad.yml:7:15: $.jobs.build.steps[1].uses: action "
        "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c has no version comment\n"
        "    hint: write the release after the SHA: `# v1.2.3`",
        "bad.yml:10: $.jobs.build.steps[2].run: a ${{ }} expression inside run: is interpolated into "
        'the script before the shell sees it; pass the value through env: and use "$NAME"',
        "bad.yml:14:7: $.jobs.release.permissions.id-token: job release can mint cloud credentials "
        "(id-token: write) outside an environment\n"
        "    hint: run it in a protected environment (`environment:`) so reviewers gate it",
        "bad.yml:16:15: $.jobs.release.steps[0].uses: container docker://alpine:3.20 is not pinned by "
        "digest\n    hint: use docker://image@sha256:<digest>",
    ]


def test_write_scopes_at_the_top_and_blanket_permissions_are_refused() -> None:
    text = _workflow(
        """
        on: push
        permissions:
          contents: write
        jobs:
          a:
            runs-on: ubuntu-24.04
            permissions: write-all
            steps:
              - run: inv x
        """
    )
    messages = [p.message for p in workflow_problems(text, "w.yml")]
    assert messages == [
        "top-level permission contents: write applies to every job",
        "job a permissions 'write-all' is too broad",
    ]


def test_a_reusable_workflow_call_must_be_local_or_pinned() -> None:
    text = _workflow(
        """
        on: push
        permissions: {contents: read}
        jobs:
          local:
            permissions: {contents: read}
            uses: ./.github/workflows/ci.yml
          remote:
            permissions: {contents: read}
            uses: octo/pipelines/.github/workflows/ci.yml@main
        """
    )
    assert [p.json_path for p in workflow_problems(text, "r.yml")] == ["$.jobs.remote.uses"]


def test_yaml_errors_are_located() -> None:
    [problem] = workflow_problems("jobs: [\n", "broken.yml")
    assert problem.location is not None
    assert problem.location.file == "broken.yml"
    assert problem.message.startswith("YAML syntax error")


def test_an_inv_line_must_name_an_existing_task() -> None:
    tasks = frozenset({"test", "charts.push", "deploy"})
    assert command_problem('inv test --service "$SERVICE"', tasks=tasks) is None
    assert command_problem("inv charts.push", tasks=tasks) is None
    assert command_problem("inv service.test --service x", tasks=tasks) == (
        "'inv service.test --service x' calls `inv service.test`, which is not a workspace task "
        "(see `inv --list`)"
    )
    assert command_problem("nox -s lint", tasks=tasks) is None  # sessions are nox's to check


def test_the_rendered_workflows_call_only_tasks_that_exist(workspace_root: Path) -> None:
    from avion_workspace.ci.workflow_checks import policy_check, workflow_files

    result = policy_check(workspace_root, workflow_files(workspace_root))
    assert result.ok, [p.render() for p in result.problems]
