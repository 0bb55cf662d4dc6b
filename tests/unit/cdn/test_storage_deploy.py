"""``inv storage.deploy``: the change-set command, adoption of hand-made buckets, refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from avion_workspace.cdn.deploy import STORAGE, adopt_argv, deploy, deploy_argv, lint_templates
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, StaleRender, ToolMissing
from tests.support import RecordingRunner, run_inv


def test_dry_run_prints_the_change_set_command(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    command = deploy(workspace, platforms["production"], dry_run=True, stack=STORAGE)
    assert command == (
        "aws cloudformation deploy --stack-name avion-production-storage"
        " --template-file infrastructure/aws/production/storage.yaml --region eu-west-1"
        " --no-fail-on-empty-changeset --tags platform=avion environment=production"
    )


def test_deploy_runs_the_aws_cli(platforms: dict[str, Platform], workspace: Path) -> None:
    runner = RecordingRunner()
    deploy(
        workspace,
        platforms["production"],
        dry_run=False,
        runner=runner,
        which=lambda _: "/bin/aws",
        stack=STORAGE,
    )
    assert runner.calls == [
        deploy_argv("/bin/aws", workspace, platforms["production"], stack=STORAGE)
    ]
    with pytest.raises(AvionError, match="deploy of avion-production-storage failed"):
        deploy(
            workspace,
            platforms["production"],
            dry_run=False,
            runner=RecordingRunner(returncode=255),
            which=lambda _: "aws",
            stack=STORAGE,
        )


def test_adopting_hand_made_buckets_only_creates_a_change_set(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    runner = RecordingRunner()
    said = deploy(
        workspace,
        platforms["production"],
        dry_run=False,
        runner=runner,
        which=lambda _: "/bin/aws",
        stack=STORAGE,
        adopt=True,
    )
    (argv,) = runner.calls
    assert argv == adopt_argv("/bin/aws", workspace, platforms["production"])
    assert argv[1:4] == ["cloudformation", "create-change-set", "--stack-name"]
    assert "--import-existing-resources" in argv
    assert argv[argv.index("--change-set-type") + 1] == "CREATE"
    assert argv[argv.index("--template-body") + 1] == (
        "file://infrastructure/aws/production/storage.yaml"
    )
    assert "execute-change-set" not in argv
    # what the person runs next: review, then execute
    assert said.splitlines()[1:] == [
        "aws cloudformation describe-change-set --stack-name avion-production-storage"
        " --change-set-name adopt-existing --region eu-west-1",
        "aws cloudformation execute-change-set --stack-name avion-production-storage"
        " --change-set-name adopt-existing --region eu-west-1",
    ]
    with pytest.raises(AvionError, match="create-change-set of avion-production-storage failed"):
        deploy(
            workspace,
            platforms["production"],
            dry_run=False,
            runner=RecordingRunner(returncode=254),
            which=lambda _: "aws",
            stack=STORAGE,
            adopt=True,
        )


def test_without_the_aws_cli_it_says_so(platforms: dict[str, Platform], workspace: Path) -> None:
    with pytest.raises(ToolMissing) as info:
        deploy(
            workspace, platforms["production"], dry_run=False, which=lambda _: None, stack=STORAGE
        )
    assert info.value.exit_code == 1
    assert str(info.value) == (
        "the AWS CLI (aws) is not installed, so the storage stack cannot be deployed from here"
    )


def test_an_environment_with_the_in_cluster_server_is_refused(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    with pytest.raises(AvionError, match="'staging' keeps its objects in 'versitygw'"):
        deploy(workspace, platforms["staging"], dry_run=True, stack=STORAGE)


def test_a_stale_template_is_not_deployed(
    platforms: dict[str, Platform], workspace: Path, tmp_path: Path
) -> None:
    with pytest.raises(StaleRender, match=r"storage\.yaml is missing or differs"):
        deploy(tmp_path, platforms["production"], dry_run=True, stack=STORAGE)
    target = tmp_path / "infrastructure/aws/production/storage.yaml"
    target.parent.mkdir(parents=True)
    target.write_bytes((workspace / target.relative_to(tmp_path)).read_bytes() + b"# by hand\n")
    for adopt in (False, True):
        with pytest.raises(StaleRender):
            deploy(tmp_path, platforms["production"], dry_run=True, stack=STORAGE, adopt=adopt)


def test_lint_runs_cfn_lint_on_each_storage_template(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    runner = RecordingRunner()
    checked = lint_templates(workspace, list(platforms.values()), runner=runner, stack=STORAGE)
    assert checked == ["infrastructure/aws/production/storage.yaml"]
    (argv,) = runner.calls
    assert argv[-2:] == ["--", "infrastructure/aws/production/storage.yaml"]
    with pytest.raises(AvionError, match="cfn-lint found problems in the storage templates"):
        lint_templates(
            workspace, list(platforms.values()), runner=RecordingRunner(returncode=2), stack=STORAGE
        )


def inv(*args: str, path: str) -> subprocess.CompletedProcess[str]:
    return run_inv(*args, env={"PATH": path})


def test_task_dry_run_prints_the_command(tmp_path: Path) -> None:
    result = inv("storage.deploy", "--env", "production", "--dry-run", path=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "would run: aws cloudformation deploy --stack-name avion-production-storage"
    )
    adopt = inv("storage.deploy", "--env", "production", "--dry-run", "--adopt", path=str(tmp_path))
    assert adopt.returncode == 0, adopt.stderr
    assert adopt.stdout.startswith(
        "would run: aws cloudformation create-change-set --stack-name avion-production-storage"
    )


def test_task_refusals_exit_1_with_the_reason(tmp_path: Path) -> None:
    result = inv("storage.deploy", "--env", "production", path=str(tmp_path))  # no aws here
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: the AWS CLI (aws) is not installed, so the storage stack cannot be deployed"
    )
    staging = inv("storage.deploy", "--env", "staging", "--dry-run", path=str(tmp_path))
    assert staging.returncode == 1
    assert staging.stderr.startswith("error: environment 'staging' keeps its objects in")
    assert "Traceback" not in result.stderr + staging.stderr
