"""``inv charts.push`` input checks: no credentials printed, nothing helm could take for a flag.

helm itself is a fake here (a recording runner at the process boundary) because the checks run
before helm; the real helm and registry are exercised in tests/integration/charts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avion_workspace import boundary
from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform
from avion_workspace.deploy.publish import ChartPushFailed, push_charts
from avion_workspace.process import Completed
from avion_workspace.redact import shown_url
from tests.support import ROOT

SECRET = "pw-9Xq2-never-shown"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def platform() -> Platform:
    return load_platform(ROOT / "config")


class FakeHelm:
    """Records each helm call; ``package`` writes a chart archive where helm would."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(
        self, argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed:
        self.calls.append(list(argv))
        if argv[1] == "package":
            destination = next(a for a in argv if a.startswith("--destination="))
            version = next((a for a in argv if a.startswith("--version=")), "--version=0.1.0")
            chart = Path(argv[-1]).name
            name = f"{chart}-{version.partition('=')[2]}.tgz"
            Path(destination.partition("=")[2], name).write_bytes(b"chart")
        return Completed(list(argv), 0, "Digest: sha256:abc\n", "")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("oci://user:pw@host/charts", "oci://***@host/charts"),  # pragma: allowlist secret
        ("oci://tok@host:5000/charts", "oci://***@host:5000/charts"),
        ("oci://u:p%40ss@w@host/charts", "oci://***@host/charts"),  # pragma: allowlist secret
        ("oci://host/charts@sha256:1", "oci://host/charts@sha256:1"),
        ("oci://host/charts", "oci://host/charts"),
    ],
)
def test_user_information_is_masked_wherever_the_url_is_shown(url: str, shown: str) -> None:
    assert shown_url(url) == shown


@settings(max_examples=200, deadline=None)
@given(password=st.text(st.characters(blacklist_characters="/?#\n"), min_size=1).map("Z".__add__))
def test_no_password_survives_masking(password: str) -> None:
    assert password not in shown_url(f"oci://robot:{password}@host/charts")


def test_a_repository_with_credentials_is_refused_masked(platform: Platform) -> None:
    helm = FakeHelm()
    with pytest.raises(ChartPushFailed) as info:
        push_charts(ROOT, platform, "helm", helm, repository=f"oci://robot:{SECRET}@host/charts")
    assert (
        info.value.message == "--repository oci://***@host/charts carries credentials (masked here)"
    )
    assert info.value.hint is not None
    assert "helm registry login host" in info.value.hint
    assert SECRET not in info.value.render()
    assert helm.calls == []
    # Registered with the boundary too: whatever path it arrived by, it is masked when printed.
    assert SECRET not in boundary.mask(f"helm: cannot reach robot:{SECRET}@host")


def test_a_repository_that_is_not_oci_is_refused_masked(platform: Platform) -> None:
    with pytest.raises(ChartPushFailed) as info:
        push_charts(ROOT, platform, "helm", FakeHelm(), repository=f"https://r:{SECRET}@h/c")
    assert info.value.message == "--repository https://***@h/c is not an OCI repository"


@pytest.mark.parametrize(
    "version", ["--debug", "-h", "", "1.2", "v1.2.3", "01.2.3", "1.2.3 --debug", "1.2.3\n"]
)
def test_a_version_that_is_not_semver_never_reaches_helm(platform: Platform, version: str) -> None:
    helm = FakeHelm()
    with pytest.raises(ChartPushFailed) as info:
        push_charts(ROOT, platform, "helm", helm, version=version, charts=["auth"])
    assert info.value.message == f"--version {version!r} is not a semantic version"
    assert helm.calls == []


@pytest.mark.parametrize("version", ["1.2.3", "0.0.0", "1.2.3-rc.1", "1.2.3+build.7"])
def test_helm_gets_options_bound_to_their_values_and_operands_after_dashes(
    platform: Platform, version: str
) -> None:
    helm = FakeHelm()
    pushed = push_charts(
        ROOT, platform, "helm", helm, repository="oci://h/c", version=version, charts=["auth"]
    )
    assert [p.reference for p in pushed] == [f"oci://h/c/auth:{version}"]
    package = next(c for c in helm.calls if c[1] == "package")
    push = next(c for c in helm.calls if c[1] == "push")
    assert package[2:-2] == [
        package[2],
        f"--version={version}",
        f"--app-version={version}",
    ]
    assert package[2].startswith("--destination=")
    assert package[-2] == "--"
    assert push[-3] == "--"
    assert push[-1] == "oci://h/c"


def inv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "charts.push", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_the_task_never_prints_the_password() -> None:
    result = inv(f"--repository=oci://robot:{SECRET}@registry.example/charts")
    assert result.returncode == 1
    assert "error: --repository oci://***@registry.example/charts carries credentials" in (
        result.stderr
    )
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_task_refuses_a_flag_as_version() -> None:
    result = inv("--version=--debug")
    assert result.returncode == 1
    assert "error: --version '--debug' is not a semantic version" in result.stderr
    assert "Traceback" not in result.stderr
