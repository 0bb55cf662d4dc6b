"""``inv charts.push``: package every service chart (its library vendored) and push it to the
OCI Helm repository named in config (``ci.chart_repository``).

The same staging as lint and deploy (:func:`avion_workspace.deploy.lint.staged_chart`), so the
pushed package is exactly what was checked.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.boundary import MASK
from avion_workspace.config.model import Platform
from avion_workspace.deploy.lint import LintTarget, staged_chart
from avion_workspace.errors import AvionError
from avion_workspace.process import CommandRunner
from avion_workspace.redact import register_url_secrets, shown_url
from avion_workspace.render.charts import CHARTS_DIR


class ChartPushFailed(AvionError):
    """helm could not package or push a chart."""


@dataclass(frozen=True)
class PushedChart:
    chart: str
    reference: str  # oci://host/path/chart:version
    digest: str


# Semantic Versioning 2.0.0, the versions helm accepts for a chart (https://semver.org).
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def check_push_options(platform: Platform, repository: str | None, version: str | None) -> str:
    """The OCI repository to push to, after refusing what helm must never see.

    A repository whose URL carries credentials (a user and password before the host) is refused,
    masked: the registry login is ``helm registry login``'s job. A version must be SemVer 2 (helm's rule),
    which also keeps a value such as ``--debug`` from reaching helm as a flag.
    """
    option = "--repository" if repository is not None else "ci.chart_repository"
    target = repository if repository is not None else platform.ci.chart_repository
    register_url_secrets(target)
    shown = shown_url(target)
    if not target.startswith("oci://"):
        raise ChartPushFailed(
            f"{option} {shown} is not an OCI repository", hint="use oci://host/path"
        )
    if shown != target:
        host = shown.removeprefix(f"oci://{MASK}@").split("/", 1)[0]
        raise ChartPushFailed(
            f"{option} {shown} carries credentials (masked here)",
            hint=f"log in once with `helm registry login {host}` and give the repository "
            "without user and password",
        )
    if version is not None and not SEMVER.fullmatch(version):
        raise ChartPushFailed(
            f"--version {version!r} is not a semantic version",
            hint="give MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.2.3-rc.1 (semver.org)",
        )
    return target


def package_argv(helm: str, chart_dir: Path, destination: Path, version: str | None) -> list[str]:
    argv = [helm, "package", f"--destination={destination}"]
    if version:
        argv += [f"--version={version}", f"--app-version={version}"]
    return [*argv, "--", str(chart_dir)]


def push_argv(helm: str, package: Path, repository: str, *, plain_http: bool) -> list[str]:
    flags = ["--plain-http"] if plain_http else []
    return [helm, "push", *flags, "--", str(package), repository]


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
    target_repo = check_push_options(platform, repository, version)
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
                    f"helm push {name} to {shown_url(target_repo)} failed:\n{done.stderr.strip()}",
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
