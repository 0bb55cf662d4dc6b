"""The rendered workflows through the real tools: actionlint, GitHub's schema, zizmor.

Each tool is also shown a broken workflow, so a passing run means the tool looked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from avion_workspace.ci.workflow_checks import SCHEMA, check_workflows
from avion_workspace.config import load_platforms
from avion_workspace.render.plan import RenderContext
from avion_workspace.render.workflows import workflows
from tests.support import ROOT, require_tool

pytestmark = pytest.mark.integration

BROKEN = """\
name: broken
on: issues
permissions: {contents: read}
jobs:
  greet:
    runs-on: ubuntu-24.04
    needs: [missing]
    permissions: {contents: read}
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.issue.title }}"
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch git repository holding the rendered workflows."""
    root = tmp_path_factory.mktemp("rendered")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for generated in workflows(RenderContext(load_platforms(ROOT / "config"))):
        target = root / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(generated.content)
    return root


def _broken(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    path = tmp_path / ".github" / "workflows" / "broken.yml"
    path.parent.mkdir(parents=True)
    path.write_text(BROKEN, encoding="utf-8")
    return path


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in (root / ".github" / "workflows").glob("*.yml"))


def test_actionlint_passes_the_rendered_workflows(rendered: Path) -> None:
    actionlint = require_tool("actionlint")
    result = subprocess.run(
        [str(actionlint), "-no-color", *_files(rendered)],
        cwd=rendered,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    actionlint = require_tool("actionlint")
    path = _broken(tmp_path)
    result = subprocess.run(
        [str(actionlint), "-no-color", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert 'job "greet" needs job "missing" which does not exist' in result.stdout


def _check_jsonschema() -> str:
    found = shutil.which("check-jsonschema") or str(
        Path(__import__("sys").executable).parent / "check-jsonschema"
    )
    if not Path(found).is_file():
        pytest.fail('check-jsonschema is not installed: pip install -e ".[test]"')
    return found


def test_the_rendered_workflows_match_githubs_schema(rendered: Path) -> None:
    result = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", SCHEMA, *_files(rendered)],
        cwd=rendered,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_schema_rejects_a_job_without_a_runner(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    path.write_text(BROKEN.replace("    runs-on: ubuntu-24.04\n", ""), encoding="utf-8")
    result = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", SCHEMA, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "broken.yml::$.jobs.greet" in result.stdout


def _zizmor(root: Path) -> list[dict[str, object]]:
    zizmor = require_tool("zizmor")
    result = subprocess.run(
        [str(zizmor), "--offline", "--format", "json", "--no-progress", ".github/workflows"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def _severity(finding: dict[str, object]) -> str:
    determinations = finding.get("determinations")
    assert isinstance(determinations, dict)
    return str(determinations["severity"])


def test_zizmor_finds_nothing_of_medium_severity_or_higher(rendered: Path) -> None:
    serious = [f["ident"] for f in _zizmor(rendered) if _severity(f) in ("Medium", "High")]
    assert serious == []


def test_zizmor_flags_template_injection(tmp_path: Path) -> None:
    _broken(tmp_path)
    idents = {f["ident"] for f in _zizmor(tmp_path) if _severity(f) in ("Medium", "High")}
    assert {"template-injection", "unpinned-uses"} <= idents


def test_the_workspace_check_passes_on_the_committed_workflows() -> None:
    require_tool("actionlint")
    results = check_workflows(ROOT)
    assert [(r.name, r.ok) for r in results] == [
        ("policy", True),
        ("actionlint", True),
        ("schema", True),
    ], results
