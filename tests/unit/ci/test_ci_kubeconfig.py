"""inv ci.kubeconfig: the exact AWS CLI call, and precise failures (no cluster is reachable here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from avion_workspace.ci.kubeconfig import kubeconfig_argv, write_kubeconfig
from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.process import Completed

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


def test_the_cluster_and_region_come_from_config(platforms: dict[str, Platform]) -> None:
    assert kubeconfig_argv("aws", platforms["production"]) == [
        "aws", "eks", "update-kubeconfig", "--name", "avion-production",
        "--region", "eu-west-1", "--alias", "avion-production",
    ]  # fmt: skip
    assert kubeconfig_argv("aws", platforms["staging"])[4] == "avion-staging"


def test_local_has_no_cluster(platforms: dict[str, Platform]) -> None:
    with pytest.raises(AvionError, match="environment 'local' has no Kubernetes cluster"):
        kubeconfig_argv("aws", platforms["local"])


def test_a_failed_cli_call_says_what_the_job_needs(
    platforms: dict[str, Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    calls: list[Sequence[str]] = []

    def runner(
        argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed:
        calls.append(argv)
        return Completed(tuple(argv), 255, "", "Unable to locate credentials")

    with pytest.raises(AvionError) as info:
        write_kubeconfig(platforms["staging"], runner)
    assert calls[0][:3] == ["/usr/bin/aws", "eks", "update-kubeconfig"]
    assert info.value.message == (
        "aws eks update-kubeconfig for avion-staging failed:\nUnable to locate credentials"
    )
    assert info.value.hint == "the job needs the environment's cloud role (OIDC, id-token: write)"


def test_kubernetes_environments_must_name_their_cluster(
    platforms: dict[str, Platform], fixture_config: Path
) -> None:
    from avion_workspace.config.loader import load_text
    from avion_workspace.config.validate import semantic_problems

    text = (
        (fixture_config / "platform.yaml").read_text().replace("    cluster: avion-staging\n", "")
    )
    problems = list(semantic_problems(load_text(text, "platform.yaml")))
    assert [p.message for p in problems] == [
        "environment 'staging' runs on Kubernetes but names no cluster"
    ]
    assert dataclasses.replace(platforms["local"].environment).cluster is None
