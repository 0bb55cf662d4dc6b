"""Every rendered CloudFormation template through the real cfn-lint (offline, pinned in the
test extras): clean as rendered, and a broken bucket is caught (so a pass means something)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.cdn.deploy import STORAGE, lint_templates
from avion_workspace.config import load_platforms
from avion_workspace.errors import StaleRender
from avion_workspace.render.cdn import cdn_file
from avion_workspace.render.storage import storage_file, storage_template
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.integration


def cfn_lint() -> str:
    found = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which(
        "cfn-lint"
    )
    if found is None:
        unavailable("cfn-lint is not installed: pip install -e '.[test]'")
    return found


def lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [cfn_lint(), "--format", "parseable", "--", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_real_production_templates_pass(tmp_path: Path) -> None:
    production = load_platforms(ROOT / "config")["production"]
    paths = []
    for rendered in (storage_file(production), cdn_file(production)):
        path = tmp_path / Path(rendered.path).name
        path.write_bytes(rendered.content)
        paths.append(path)
    result = lint(*paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_bucket_is_caught(tmp_path: Path) -> None:
    template: dict[str, Any] = storage_template(load_platforms(ROOT / "config")["production"])
    broken = yaml.safe_load(yaml.safe_dump(template))
    props = broken["Resources"]["AvionBackupsBucket"]["Properties"]
    props["VersioningConfiguration"]["Status"] = "Sometimes"
    path = tmp_path / "storage.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = lint(path)
    assert result.returncode != 0
    assert "Sometimes" in result.stdout


def test_inv_storage_lint_runs_the_real_cfn_lint(tmp_path: Path) -> None:
    cfn_lint()  # the missing-tool policy first: lint_templates would raise ToolMissing
    platforms = load_platforms(ROOT / "config")
    rendered = storage_file(platforms["production"])
    (tmp_path / rendered.path).parent.mkdir(parents=True)
    (tmp_path / rendered.path).write_bytes(rendered.content)
    assert lint_templates(tmp_path, list(platforms.values()), stack=STORAGE) == [rendered.path]
    broken = rendered.content.replace(b"Status: Enabled", b"Status: Sometimes", 1)
    (tmp_path / rendered.path).write_bytes(broken)
    with pytest.raises(StaleRender):  # a hand-edited template is refused before cfn-lint
        lint_templates(tmp_path, list(platforms.values()), stack=STORAGE)
