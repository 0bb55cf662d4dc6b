"""``inv charts.push``: package every service chart (its library vendored) and push it to the
OCI Helm repository named in config (``ci.chart_repository``).

The same staging as lint and deploy (:func:`avion_workspace.deploy.lint.staged_chart`), so the
pushed package is exactly what was checked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.config.model import Platform
from avion_workspace.deploy.lint import LintTarget, staged_chart
from avion_workspace.errors import AvionError
from avion_workspace.process import CommandRunner
from avion_workspace.render.charts import CHARTS_DIR


class ChartPushFailed(AvionError):
    """helm could not package or push a chart."""


@dataclass(frozen=True)
class PushedChart:
    chart: str
    reference: str  # oci://host/path/chart:version
    digest: str


def package_argv(helm: str, chart_dir: Path, destination: Path, version: str | None) -> list[str]:
    argv = [helm, "package", str(chart_dir), "--destination", str(destination)]
    if version:
        argv += ["--version", version, "--app-version", version]
    return argv


def push_argv(helm: str, package: Path, repository: str, *, plain_http: bool) -> list[str]:
    return [helm, "push", str(package), repository, *(["--plain-http"] if plain_http else [])]


def _digest(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("Digest:"):
            return line.split(":", 1)[1].strip()
    return ""


def push_charts(
    root: Path,
    platform: Platform,
    helm: str,
    runner: CommandRunner,
    *,
    repository: str | None = None,
    version: str | None = None,
    plain_http: bool = False,
    charts: Sequence[str] | None = None,
) -> list[PushedChart]:
    """Package and push each service chart; stops at the first failure, naming what was pushed."""
    target_repo = repository or platform.ci.chart_repository
    if not target_repo.startswith("oci://"):
        raise ChartPushFailed(f"{target_repo} is not an OCI repository", hint="use oci://host/path")
    names = list(charts or platform.services)
    unknown = [n for n in names if n not in platform.services]
    if unknown:
        raise AvionError(
            f"unknown chart {unknown[0]!r}", hint=f"charts: {', '.join(platform.services)}"
        )
    pushed: list[PushedChart] = []
    for name in names:
        target = LintTarget(name, f"{CHARTS_DIR}/{name}", "", name, "", (), library=True)
        with (
            staged_chart(root, target, helm, runner) as chart_dir,
            tempfile.TemporaryDirectory() as out,
        ):
            packaged = runner(package_argv(helm, chart_dir, Path(out), version))
            packages = sorted(Path(out).glob("*.tgz"))
            if packaged.returncode != 0 or len(packages) != 1:
                raise ChartPushFailed(f"helm package {name} failed:\n{packaged.stderr.strip()}")
            done = runner(push_argv(helm, packages[0], target_repo, plain_http=plain_http))
            if done.returncode != 0:
                already = ", ".join(p.chart for p in pushed) or "none"
                raise ChartPushFailed(
                    f"helm push {name} to {target_repo} failed:\n{done.stderr.strip()}",
                    hint=f"log in first (helm registry login); already pushed: {already}",
                )
            chart_version = packages[0].stem.removeprefix(f"{name}-")
            pushed.append(
                PushedChart(
                    name,
                    f"{target_repo}/{name}:{chart_version}",
                    _digest(done.stdout + done.stderr),
                )
            )
    return pushed
