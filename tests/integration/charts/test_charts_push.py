"""inv charts.push against a real OCI registry, with the real helm."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platform
from avion_workspace.deploy.publish import ChartPushFailed, push_charts
from avion_workspace.process import run_command
from tests.support import ROOT, require_tool


def test_pushed_charts_can_be_pulled_with_their_library_inside(
    oci_registry: str, tmp_path: Path
) -> None:
    helm = str(require_tool("helm"))
    platform = load_platform(ROOT / "config")
    repository = f"oci://{oci_registry}/charts"
    pushed = push_charts(
        ROOT, platform, helm, run_command, repository=repository, version="1.2.3",
        plain_http=True, charts=["auth", "media"],
    )
    assert [p.reference for p in pushed] == [f"{repository}/auth:1.2.3", f"{repository}/media:1.2.3"]
    assert all(p.digest.startswith("sha256:") for p in pushed)
    pulled = subprocess.run(
        [helm, "pull", f"{repository}/media", "--version", "1.2.3", "--plain-http",
         "--untar", "--destination", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert pulled.returncode == 0, pulled.stderr
    chart = yaml.safe_load((tmp_path / "media" / "Chart.yaml").read_text())
    assert (chart["version"], chart["appVersion"]) == ("1.2.3", "1.2.3")
    assert (tmp_path / "media" / "charts" / "avion-common" / "Chart.yaml").is_file()


def test_an_unreachable_registry_is_a_located_error(tmp_path: Path) -> None:
    helm = str(require_tool("helm"))
    platform = load_platform(ROOT / "config")
    with pytest.raises(ChartPushFailed) as info:
        push_charts(
            ROOT, platform, helm, run_command, repository="oci://127.0.0.1:9/charts",
            plain_http=True, charts=["auth"],
        )
    assert "helm push auth to oci://127.0.0.1:9/charts failed" in info.value.message
    assert info.value.hint == "log in first (helm registry login); already pushed: none"


def test_a_repository_that_is_not_oci_is_refused() -> None:
    platform = load_platform(ROOT / "config")
    with pytest.raises(ChartPushFailed, match="is not an OCI repository"):
        push_charts(ROOT, platform, "helm", run_command, repository="https://charts.example")
