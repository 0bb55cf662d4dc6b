"""``inv k8s.check`` against a local HTTPS server serving recorded API responses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.k8s.check import (
    DEPLOY_ACCESS,
    REQUIRED_CRDS,
    Report,
    check_cluster,
    parse_version,
    required_namespaces,
    required_storage_class,
)
from avion_workspace.k8s.client import ApiClient, ClusterUnreachable
from avion_workspace.k8s.kubeconfig import (
    KubeconfigError,
    context_for,
    load_kubeconfig,
    resolve_context,
)
from tests.support import ROOT, fixture_config_dir
from tests.unit.k8s.conftest import TOKEN, Served, write_kubeconfig


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


def run(platform: Platform, kubeconfig: Path, context: str, timeout: float = 3.0) -> Report:
    access = resolve_context(load_kubeconfig([kubeconfig]), context)
    with ApiClient(access, timeout=timeout) as client:
        return check_cluster(platform, access, client)


def failures(report: Report) -> dict[str, str]:
    return {f.item: f.detail for f in report.findings if not f.ok}


def test_contexts_per_environment(platforms: dict[str, Platform]) -> None:
    assert {env: context_for(p) for env, p in platforms.items()} == {
        "local": "kind-avion",
        "staging": "avion-staging",
        "production": "avion-production",
    }


def test_what_the_check_requires_comes_from_the_cluster_chart(
    platforms: dict[str, Platform], api_server: Served
) -> None:
    staging = platforms["staging"]
    assert set(required_namespaces(staging)) == api_server.cluster.namespaces
    assert {required_storage_class(staging)} == api_server.cluster.storage_classes
    assert set(REQUIRED_CRDS) == api_server.cluster.crds


def test_a_ready_cluster_passes_every_check(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    config = write_kubeconfig(
        tmp_path / "config", "avion-staging", api_server.url, ca_pem=api_server.ca_pem
    )
    report = run(platforms["staging"], config, "avion-staging")
    assert report.ok, failures(report)
    items = [f.item for f in report.findings]
    assert items[:2] == ["server", "version"]
    assert {"avion-staging", "ingress-nginx", "monitoring", "avion-standard"} <= set(items)
    assert "clusters.postgresql.cnpg.io" in items
    assert "can-i create deployments.apps" in items
    assert report.table().splitlines()[-1] == "cluster ready"
    assert "v1.31.0 (supported 1.29-1.34)" in report.table()
    # the deploy identity's access, asked of the API server as kubectl auth can-i does
    reviews = api_server.cluster.reviews
    assert len(reviews) == len(DEPLOY_ACCESS)
    assert reviews[0] == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": "avion-staging",
                "verb": "create",
                "group": "apps",
                "resource": "deployments",
            }
        },
    }
    assert set(api_server.cluster.authorizations) == {f"Bearer {TOKEN}"}


def test_missing_pieces_and_denied_access_are_rows_that_fail(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    api_server.cluster.crds.discard("clusters.postgresql.cnpg.io")
    api_server.cluster.namespaces.discard("monitoring")
    api_server.cluster.storage_classes.clear()
    api_server.cluster.denied.add(("delete", "deployments"))
    config = write_kubeconfig(
        tmp_path / "config", "avion-staging", api_server.url, ca_pem=api_server.ca_pem
    )
    report = run(platforms["staging"], config, "avion-staging")
    assert not report.ok
    assert failures(report) == {
        "monitoring": "missing (inv deploy creates it)",
        "clusters.postgresql.cnpg.io": "missing (its operator's chart installs it)",
        "avion-standard": "missing (inv deploy creates it)",
        "can-i delete deployments.apps": "denied in avion-staging: no RBAC rule allows it",
    }
    document = json.loads(report.to_json())
    assert document["ok"] is False
    assert document["context"] == "avion-staging"
    by_item = {f["item"]: f for f in document["findings"]}
    assert by_item["clusters.postgresql.cnpg.io"] == {
        "area": "crd",
        "item": "clusters.postgresql.cnpg.io",
        "ok": False,
        "detail": "missing (its operator's chart installs it)",
    }
    assert report.table().splitlines()[-1] == "4 check(s) failed"


def test_an_unsupported_version_fails(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    api_server.cluster.version = "version-old"
    config = write_kubeconfig(
        tmp_path / "c", "avion-staging", api_server.url, ca_pem=api_server.ca_pem
    )
    assert failures(run(platforms["staging"], config, "avion-staging")) == {
        "version": "v1.27.16: outside the supported 1.29-1.34"
    }


def test_eks_versions_parse() -> None:
    assert parse_version({"major": "1", "minor": "32+"}) == (1, 32)
    assert parse_version({"gitVersion": "v1.30.2"}) == (1, 30)
    assert parse_version("garbage") is None


def test_wrong_credentials_are_reported_not_raised(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    config = write_kubeconfig(
        tmp_path / "c",
        "avion-staging",
        api_server.url,
        ca_pem=api_server.ca_pem,
        user={"token": "expired"},
    )
    report = run(platforms["staging"], config, "avion-staging")
    assert failures(report) == {"/version": "answers, but refuses these credentials (HTTP 401)"}


def test_token_from_an_exec_plugin(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {"token": TOKEN},
    }
    plugin = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": sys.executable,
        "args": ["-c", f"print({json.dumps(json.dumps(credential))})"],
    }
    config = write_kubeconfig(
        tmp_path / "c",
        "avion-staging",
        api_server.url,
        ca_pem=api_server.ca_pem,
        user={"exec": plugin},
    )
    assert run(platforms["staging"], config, "avion-staging").ok


def test_a_server_certificate_the_ca_does_not_sign_is_refused(
    platforms: dict[str, Platform], api_server: Served, tmp_path: Path
) -> None:
    config = write_kubeconfig(tmp_path / "c", "avion-staging", api_server.url)  # system CAs only
    with pytest.raises(ClusterUnreachable) as info:
        run(platforms["staging"], config, "avion-staging")
    assert info.value.message.startswith(
        f"context 'avion-staging': TLS with {api_server.url} failed:"
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP connections and never says a word: a hung API server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"https://127.0.0.1:{sock.getsockname()[1]}"


def test_nothing_listening_names_the_context(
    platforms: dict[str, Platform], tmp_path: Path
) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    config = write_kubeconfig(tmp_path / "c", "avion-staging", server)
    with pytest.raises(ClusterUnreachable) as info:
        run(platforms["staging"], config, "avion-staging")
    assert info.value.message.startswith(
        f"the API server of context 'avion-staging' at {server} does not answer:"
    )


def test_a_hung_server_times_out(
    platforms: dict[str, Platform], silent_server: str, tmp_path: Path
) -> None:
    config = write_kubeconfig(tmp_path / "c", "avion-staging", silent_server)
    with pytest.raises(ClusterUnreachable) as info:
        run(platforms["staging"], config, "avion-staging", timeout=0.5)
    assert info.value.message.endswith("does not answer: timed out")


def test_a_missing_context_lists_what_is_there(tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "c", "kind-avion", "https://127.0.0.1:1")
    with pytest.raises(KubeconfigError) as info:
        resolve_context(load_kubeconfig([config]), "avion-production")
    assert info.value.message == (
        f"no kubeconfig context 'avion-production' in {config} (contexts there: kind-avion)"
    )


def inv(*args: str, kubeconfig: Path) -> subprocess.CompletedProcess[str]:
    """The task, run in the workspace on the fixture config."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args, "--config-dir", str(fixture_config_dir())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KUBECONFIG": str(kubeconfig), "NO_COLOR": "1"},
    )


def test_task_without_a_kubeconfig_exits_1_naming_the_context(tmp_path: Path) -> None:
    result = inv("k8s.check", "--env", "staging", kubeconfig=tmp_path / "absent")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: no kubeconfig context 'avion-staging' in {tmp_path / 'absent'} (contexts there: none)"
    )
    assert "Traceback" not in result.stderr


def test_task_with_an_unreachable_cluster_exits_1_naming_the_context(tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    config = write_kubeconfig(tmp_path / "c", "avion-staging", server)
    result = inv("k8s.check", "--env", "staging", kubeconfig=config)
    assert result.returncode == 1
    assert f"the API server of context 'avion-staging' at {server} does not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_task_json_for_machines(api_server: Served, tmp_path: Path) -> None:
    api_server.cluster.denied.add(("list", "secrets"))
    config = write_kubeconfig(
        tmp_path / "c", "avion-staging", api_server.url, ca_pem=api_server.ca_pem
    )
    result = inv("k8s.check", "--env", "staging", "--json", kubeconfig=config)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert [f["item"] for f in document["findings"] if not f["ok"]] == ["can-i list secrets"]
    assert "1 check(s) failed" in result.stderr


def test_task_json_when_nothing_answers(tmp_path: Path) -> None:
    result = inv("k8s.check", "--env", "production", "--json", kubeconfig=tmp_path / "absent")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "environment": "production",
        "context": "avion-production",
        "ok": False,
        "error": f"no kubeconfig context 'avion-production' in {tmp_path / 'absent'} "
        "(contexts there: none)",
    }
