"""Staging the service charts for a deploy: a chart that is not rendered is a located error."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.deploy.cli import DeployFailed, stage_charts
from avion_workspace.deploy.plan import library_chart_dir, plan_deploy
from avion_workspace.process import Completed

ROOT = Path(__file__).resolve().parents[3]


def test_a_service_chart_that_is_not_rendered_is_a_located_error(tmp_path: Path) -> None:
    plan = plan_deploy(load_platforms(ROOT / "config")["staging"], helm="helm")
    shutil.copytree(ROOT / library_chart_dir(), tmp_path / library_chart_dir())
    ran: list[Sequence[str]] = []

    def runner(
        argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed:
        ran.append(argv)
        return Completed(tuple(argv), 0, "", "")

    with pytest.raises(DeployFailed) as info:
        stage_charts(tmp_path, plan, "helm", runner)
    text = info.value.render()
    first = next(s.source_chart for s in plan.steps if s.source_chart is not None)
    assert f"the chart {first} is not rendered" in text
    assert f"{first}/Chart.yaml: no Chart.yaml in this folder" in text
    assert "run `inv render`" in text
    assert ran == []
    assert not (tmp_path / plan.state_dir()).exists()
