"""``inv cdn.deploy``: the change-set command, the AWS CLI's absence, a stale template."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from avion_workspace.cdn.deploy import deploy, deploy_argv, lint_templates
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, StaleRender, ToolMissing
from tests.support import RecordingRunner, run_inv


def test_dry_run_prints_the_change_set_command(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    command = deploy(workspace, platforms["production"], dry_run=True)
    assert command == (
        "aws cloudformation deploy --stack-name avion-production-cdn"
        " --template-file infrastructure/aws/production/cdn.yaml --region eu-west-1"
        " --no-fail-on-empty-changeset --tags platform=avion environment=production"
    )


PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestkeytestkeytestkey\n"
    "-----END PUBLIC KEY-----\n"
)


def test_the_signing_key_is_passed_as_a_parameter(
    platforms: dict[str, Platform], workspace: Path, tmp_path: Path
) -> None:
    key = tmp_path / "signing.pub"
    key.write_text(PUBLIC_KEY)
    runner = RecordingRunner()
    deploy(
        workspace,
        platforms["production"],
        dry_run=False,
        signing_key=key,
        runner=runner,
        which=lambda _: "aws",
    )
    (argv,) = runner.calls
    assert argv[-2:] == ["--parameter-overrides", f"UrlSigningPublicKey={PUBLIC_KEY}"]


def test_a_private_key_is_refused_before_aws_sees_it(
    platforms: dict[str, Platform], workspace: Path, tmp_path: Path
) -> None:
    key = tmp_path / "signing.pem"
    not_public = (
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"  # pragma: allowlist secret
    )
    key.write_text(not_public)
    with pytest.raises(AvionError, match="is not a PEM public key"):
        deploy(workspace, platforms["production"], dry_run=True, signing_key=key)
    with pytest.raises(AvionError, match="cannot read the URL-signing public key"):
        deploy(
            workspace, platforms["production"], dry_run=True, signing_key=tmp_path / "absent.pub"
        )


def test_without_the_aws_cli_it_says_so(platforms: dict[str, Platform], workspace: Path) -> None:
    with pytest.raises(ToolMissing) as info:
        deploy(workspace, platforms["production"], dry_run=False, which=lambda _: None)
    assert info.value.exit_code == 1
    assert str(info.value) == (
        "the AWS CLI (aws) is not installed, so the CDN stack cannot be deployed from here"
    )


def test_deploy_runs_the_aws_cli(platforms: dict[str, Platform], workspace: Path) -> None:
    runner = RecordingRunner()
    deploy(
        workspace, platforms["production"], dry_run=False, runner=runner, which=lambda _: "/bin/aws"
    )
    assert runner.calls == [deploy_argv("/bin/aws", workspace, platforms["production"])]
    failing = RecordingRunner(returncode=255)
    with pytest.raises(AvionError, match="AccessDenied"):
        deploy(
            workspace, platforms["production"], dry_run=False, runner=failing, which=lambda _: "aws"
        )


def test_an_environment_without_a_cdn_is_refused(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    with pytest.raises(AvionError, match="environment 'staging' has no CDN"):
        deploy(workspace, platforms["staging"], dry_run=True)


def test_a_stale_template_is_not_deployed(
    platforms: dict[str, Platform], workspace: Path, tmp_path: Path
) -> None:
    target = tmp_path / "infrastructure/aws/production/cdn.yaml"
    target.parent.mkdir(parents=True)
    with pytest.raises(StaleRender, match="missing or differs"):
        deploy(tmp_path, platforms["production"], dry_run=True)
    shutil.copy(workspace / "infrastructure/aws/production/cdn.yaml", target)
    with target.open("a") as handle:
        handle.write("# edited by hand\n")
    with pytest.raises(StaleRender):
        deploy(tmp_path, platforms["production"], dry_run=True)


def test_lint_runs_cfn_lint_on_each_cdn_template(
    platforms: dict[str, Platform], workspace: Path
) -> None:
    checked = lint_templates(workspace, list(platforms.values()))
    assert checked == ["infrastructure/aws/production/cdn.yaml"]


def inv(*args: str, path: str) -> subprocess.CompletedProcess[str]:
    return run_inv(*args, env={"PATH": path})


def test_task_dry_run_prints_the_command(tmp_path: Path) -> None:
    result = inv("cdn.deploy", "--env", "production", "--dry-run", path=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "would run: aws cloudformation deploy --stack-name avion-production-cdn"
    )


def test_task_without_the_aws_cli_exits_1_with_the_reason(tmp_path: Path) -> None:
    result = inv("cdn.deploy", "--env", "production", path=str(tmp_path))  # no aws on this PATH
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: the AWS CLI (aws) is not installed, so the CDN stack cannot be deployed from here"
    )
    assert "Traceback" not in result.stderr
