"""CI's docs job: builds the site and the CDN lint through tasks, publishes the site by a pin."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.ci.pipeline import PIPELINE_FILE, PipelineError, load_pipeline, parse_pipeline
from avion_workspace.config import load_platforms
from avion_workspace.render.plan import RenderContext
from avion_workspace.render.workflows import render_workflows
from tests.support import ROOT


@pytest.fixture(scope="module")
def ci(fixture_config: Path) -> Mapping[str, Any]:
    pipeline = load_pipeline(ROOT)
    files = {
        Path(f.path).stem: f.content.decode()
        for f in render_workflows(RenderContext(load_platforms(fixture_config)), pipeline)
    }
    document: Mapping[str, Any] = yaml.safe_load(files["ci"])
    return document


def test_the_docs_job_builds_then_publishes_the_site(ci: Mapping[str, Any]) -> None:
    steps = ci["jobs"]["docs"]["steps"]
    assert [s["run"] for s in steps if "run" in s][1:] == [
        "nox -s docs",
        "inv cdn.lint",
        "inv storage.lint",
    ]
    upload = steps[-1]
    assert upload["uses"] == "actions/upload-artifact@b7c566a772e6b6bfb58ed0dc250532a479d7789f"
    assert upload["with"] == {
        "name": "docs-site",
        "path": "site/",
        "if-no-files-found": "error",
        "retention-days": 30,
    }
    assert "docs" in ci["jobs"]["passed"]["needs"]


def _problems(text: str) -> list[str]:
    with pytest.raises(PipelineError) as caught:
        parse_pipeline(text)
    return [p.render() for p in caught.value.problems]


def test_an_artifact_needs_the_pinned_upload_action() -> None:
    text = (ROOT / PIPELINE_FILE).read_text(encoding="utf-8")
    text = text.replace("  upload-artifact: {", "  upload-artifacts: {", 1)
    assert any(
        "no pin for action 'upload-artifact', which the workflows use" in p for p in _problems(text)
    )


def test_an_artifact_is_described_by_name_and_path() -> None:
    text = (ROOT / PIPELINE_FILE).read_text(encoding="utf-8")
    text = text.replace(
        "artifact: {name: docs-site, path: site/", "artifact: {name: Docs Site, path: site/", 1
    )
    [problem] = _problems(text)
    assert "$.workflows.ci.jobs.docs.artifact.name: 'Docs Site' does not match" in problem
