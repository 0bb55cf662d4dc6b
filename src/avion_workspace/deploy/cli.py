"""What ``inv deploy`` and ``inv charts.*`` do, callable without invoke; the side-effect edge.

The plan is pure (:mod:`avion_workspace.deploy.plan`); here the service charts are staged under
``.avion/deploy/<env>/charts/``, rendered with ``helm template`` and compared with the rendering
of the last successful deploy (``.avion/deploy/<env>/last/``), and — unless ``--dry-run`` — the
helm commands run one after another, stopping at the first failure.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.deploy.plan import (
    DeployPlan,
    check_guard,
    ci_from_environment,
    dependency_build_argv,
    library_chart_dir,
    plan_deploy,
    register_plan_secrets,
    template_argv,
)
from avion_workspace.deploy.tools import KUBE_VERSION
from avion_workspace.errors import AvionError, Location, Problem
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.redact import mask_urls
from avion_workspace.tools import require_tool
from avion_workspace.workspace import find_root, resolve_config_dir


class DeployFailed(AvionError):
    """A helm release failed; the releases before it were applied (each one atomically)."""


@dataclass(frozen=True)
class RenderingDiff:
    name: str
    status: str  # "new" | "changed" | "unchanged" | "removed"
    diff: str


def _helm_display(root: Path, helm: Path) -> str:
    try:
        return str(helm.relative_to(root))
    except ValueError:
        return str(helm)


def stage_charts(root: Path, plan: DeployPlan, helm: str, runner: CommandRunner) -> None:
    """Copy each service chart and the library into the state dir and vendor the dependency."""
    for chart in [library_chart_dir()] + [
        step.source_chart for step in plan.steps if step.source_chart is not None
    ]:
        if not (root / chart / "Chart.yaml").is_file():
            raise DeployFailed(
                f"the chart {chart} is not rendered",
                problems=[Problem("no Chart.yaml in this folder", Location(f"{chart}/Chart.yaml"))],
                hint="run `inv render` (a service's chart is generated from config/platform.yaml)",
            )
    staging = root / plan.state_dir() / "charts"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copytree(root / library_chart_dir(), staging / Path(library_chart_dir()).name)
    for step in plan.steps:
        if step.staged_chart is None or step.source_chart is None:
            continue
        shutil.copytree(root / step.source_chart, root / step.staged_chart)
        done = runner(dependency_build_argv(helm, step.staged_chart), cwd=root)
        if done.returncode != 0:
            raise DeployFailed(
                f"helm dependency build {step.staged_chart} failed:\n"
                f"{mask_urls(done.stderr.strip())}",
                hint="run `inv render` and `inv charts.lint`",
            )


def current_renderings(
    root: Path, plan: DeployPlan, helm: str, runner: CommandRunner
) -> dict[str, str]:
    """release name -> what it applies: the manifests of our charts, the values of upstream ones."""
    out: dict[str, str] = {}
    for step in plan.steps:
        if step.local_chart is not None:
            done = runner(template_argv(helm, step, KUBE_VERSION), cwd=root)
            if done.returncode != 0:
                raise DeployFailed(
                    f"helm template {step.release} failed:\n{mask_urls(done.stderr.strip())}"
                )
            out[f"{step.release}.yaml"] = done.stdout
        else:
            values = step.argv[step.argv.index("--values") + 1]
            out[f"{step.release}.values.yaml"] = (root / values).read_text(encoding="utf-8")
    return out


def diff_renderings(previous: Mapping[str, str], current: Mapping[str, str]) -> list[RenderingDiff]:
    diffs = []
    for name in sorted(set(previous) | set(current)):
        old, new = previous.get(name), current.get(name)
        if old == new:
            diffs.append(RenderingDiff(name, "unchanged", ""))
            continue
        status = "new" if old is None else "removed" if new is None else "changed"
        text = "".join(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                (new or "").splitlines(keepends=True),
                fromfile=f"last/{name}" if old is not None else "/dev/null",
                tofile=f"now/{name}" if new is not None else "/dev/null",
            )
        )
        diffs.append(RenderingDiff(name, status, text))
    return diffs


def read_last(root: Path, plan: DeployPlan) -> dict[str, str]:
    last = root / plan.state_dir() / "last"
    if not last.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(last.glob("*.yaml"))}


def write_renderings(
    root: Path, plan: DeployPlan, renderings: Mapping[str, str], folder: str, *, replace: bool
) -> Path:
    """Write renderings under the state dir: ``pending`` (this run) or ``last`` (deployed).

    A single-service deploy replaces only that service's file.
    """
    from avion_workspace.render.writer import atomic_write

    last = root / plan.state_dir() / folder
    if replace and last.exists():
        shutil.rmtree(last)
    last.mkdir(parents=True, exist_ok=True)
    for name, text in renderings.items():
        atomic_write(last / name, text.encode("utf-8"))
    return last


def format_plan(plan: DeployPlan) -> str:
    lines = [
        f"deploy plan for {plan.env} (namespace {plan.namespace}): {len(plan.steps)} release(s)"
    ]
    for kind in ("infrastructure", "service"):
        steps = [s for s in plan.steps if s.kind == kind]
        if not steps:
            continue
        lines.append(f"{kind}:")
        for step in steps:
            lines.append(f"  {step.command_line}")
            if step.fetches:
                lines.append(f"      fetches {step.fetches}")
    return "\n".join(lines)


def format_diffs(diffs: list[RenderingDiff], baseline: str, pending: str) -> str:
    """A summary line per rendering, then the unified diff of each changed or removed one.

    A new rendering (nothing to compare with) is only counted: it is in full under ``pending``.
    """
    changed = [d for d in diffs if d.status != "unchanged"]
    if not changed:
        return f"no changes against the last deploy ({baseline})"
    lines = [f"changes against the last deploy ({baseline}); full renderings in {pending}:"]
    for d in diffs:
        extra = f" ({d.diff.count(chr(10)) - 3} lines)" if d.status == "new" else ""
        lines.append(f"  {d.status:9} {d.name}{extra}")
    for d in changed:
        if d.status != "new":
            lines.append(d.diff.rstrip("\n"))
    return "\n".join(lines)


def run_deploy(
    env: str,
    *,
    service: str | None = None,
    dry_run: bool = False,
    yes_production: bool = False,
    image_tag: str | None = None,
    kube_context: str | None = None,
    config_dir: str | None = None,
    runner: CommandRunner = run_command,
    environ: Mapping[str, str] | None = None,
) -> None:
    from avion_workspace.config import load_platform

    root = find_root()
    platform = load_platform(resolve_config_dir(config_dir), env)
    if not dry_run:
        check_guard(
            env,
            ci=ci_from_environment(os.environ if environ is None else environ),
            confirmed=yes_production,
        )
    helm_path = require_tool(root, "helm")
    helm = _helm_display(root, helm_path)
    plan = plan_deploy(
        platform, service=service, image_tag=image_tag, helm=helm, kube_context=kube_context
    )
    register_plan_secrets(plan)
    print(format_plan(plan))
    stage_charts(root, plan, helm, runner)
    renderings = current_renderings(root, plan, helm, runner)
    previous = read_last(root, plan)
    if service is not None:
        previous = {k: v for k, v in previous.items() if k in renderings}
    write_renderings(root, plan, renderings, "pending", replace=True)
    print(
        format_diffs(
            diff_renderings(previous, renderings),
            f"{plan.state_dir()}/last",
            f"{plan.state_dir()}/pending",
        )
    )
    if dry_run:
        fetched = [s for s in plan.steps if s.fetches]
        if fetched:
            print(
                f"a real deploy downloads {len(fetched)} upstream chart(s) (listed as 'fetches')."
            )
        print("dry run: nothing was applied.")
        return
    applied: list[str] = []
    for step in plan.steps:
        print(f"==> {step.release} ({step.kind}, namespace {step.namespace})", flush=True)
        done = runner(step.argv, cwd=root)
        if done.returncode != 0:
            problems = [Problem(f"applied before the failure: {', '.join(applied) or 'nothing'}")]
            raise DeployFailed(
                f"helm upgrade {step.release} failed (rolled back by --atomic):\n"
                f"{mask_urls(done.stderr.strip() or done.stdout.strip())}",
                problems=problems,
                hint="fix the cause and run the deploy again; applied releases are idempotent",
            )
        applied.append(step.release)
        sys.stdout.write(mask_urls(done.stdout))
    write_renderings(root, plan, renderings, "last", replace=service is None)
    print(f"deployed {len(applied)} release(s) to {plan.env}")


def run_lint(
    chart: str | None, env: str | None, config_dir: str | None, *, policy_scan: bool = True
) -> None:
    from avion_workspace.config import load_platforms
    from avion_workspace.deploy.lint import CHECKOV_SKIPS, lint_charts, raise_for

    root = find_root()
    report = lint_charts(
        root,
        load_platforms(resolve_config_dir(config_dir)),
        chart=chart,
        env=env,
        policy_scan=policy_scan,
    )
    for label in report.checked:
        print(
            f"checked  {label}: helm lint --strict, helm template, "
            "kubernetes-validate --strict, custom resources against their CRDs"
        )
    if policy_scan:
        skipped = ", ".join(sorted(CHECKOV_SKIPS))
        print(
            f"checkov --framework kubernetes over {len(report.manifests)} rendering(s), skipping {skipped}"
        )
    raise_for(report)
    print(f"charts OK: {len(report.checked)} chart x environment combination(s)")


def run_monitoring_check(config_dir: str | None) -> None:
    from avion_workspace.config import load_platforms
    from avion_workspace.deploy.monitoring_check import check_monitoring, raise_for

    report = check_monitoring(find_root(), load_platforms(resolve_config_dir(config_dir)))
    for label in report.checked:
        print(f"checked  {label}")
    raise_for(report)
    print(f"monitoring OK: {len(report.checked)} check(s)")


def run_install_tools() -> None:
    from avion_workspace.deploy.crds import CRD_SOURCES, CRDS_DIR, fetch_crds
    from avion_workspace.deploy.tools import CHECKOV_VERSION, install_checkov
    from avion_workspace.tools import TOOLS, install_tool

    root = find_root()
    path, fresh = install_tool(root, "helm")
    print(f"{'installed' if fresh else 'present  '} helm {TOOLS['helm'].version} -> {path}")
    path, fresh = install_checkov(root)
    print(f"{'installed' if fresh else 'present  '} checkov {CHECKOV_VERSION} -> {path}")
    fetch_crds(root)
    for source in CRD_SOURCES:
        print(f"present   CRDs of {source.module}@{source.version} -> {CRDS_DIR}/{source.folder}")


def run_push(
    repository: str | None,
    version: str | None,
    plain_http: bool,
    chart: str | None,
    config_dir: str | None,
) -> None:
    from avion_workspace.config import load_platform
    from avion_workspace.deploy.publish import check_push_options, push_charts

    root = find_root()
    platform = load_platform(resolve_config_dir(config_dir), "local")
    check_push_options(platform, repository, version)  # before anything can print them
    helm = str(require_tool(root, "helm"))
    for pushed in push_charts(
        root,
        platform,
        helm,
        run_command,
        repository=repository,
        version=version,
        plain_http=plain_http,
        charts=[chart] if chart else None,
    ):
        print(f"pushed {pushed.reference}" + (f" ({pushed.digest})" if pushed.digest else ""))
