"""What the AWS stacks' tests share: the fixture config's platforms, and a workspace holding the
rendered CDN and storage templates (deploy refuses a template that is not the current render)."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.cdn import cdn_file
from avion_workspace.render.storage import storage_file


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


@pytest.fixture(scope="module")
def workspace(platforms: dict[str, Platform], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    for rendered in (cdn_file(platforms["production"]), storage_file(platforms["production"])):
        (root / rendered.path).parent.mkdir(parents=True, exist_ok=True)
        (root / rendered.path).write_bytes(rendered.content)
    return root
