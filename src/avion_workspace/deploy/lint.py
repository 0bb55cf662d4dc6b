"""``inv charts.lint``: every chart and environment through the real tools, all problems at once.

For each chart (the service charts and the avion-cluster chart) and each environment:
1. ``helm lint --strict`` with the environment's values (values.schema.json applies);
2. ``helm template --kube-version`` to the manifests that would be applied;
3. strict Kubernetes schema validation of every manifest (kubernetes-validate ``--strict``,
   schemas bundled in the package); custom resources (CloudNativePG, monitoring.coreos.com)
   against their CRDs' schemas, fetched from the operators' Go modules (:mod:`.crds`);
then one checkov ``--framework kubernetes`` scan of all rendered manifests, with the skipped
checks listed in :data:`CHECKOV_SKIPS`, each with its reason.
Library charts are vendored into a temporary copy of the app chart (``helm dependency build``
works offline for ``file://`` dependencies); nothing helm generates lands in the work tree.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from avion_workspace.config.model import Platform
from avion_workspace.deploy.crds import crd_validators
from avion_workspace.deploy.tools import KUBE_VERSION, kubernetes_validate, require_checkov
from avion_workspace.errors import AvionError, Problem
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.render.charts import CHARTS_DIR, LIBRARY
from avion_workspace.render.infrastructure import (
    CLUSTER_CHART,
    DATASTORES_CHART,
    INFRA_DIR,
    LOCAL_CHARTS,
    OBSERVABILITY_CHART,
)
from avion_workspace.render.observability import MONITORING_NAMESPACE
from avion_workspace.tools import require_tool

# checkov checks we skip, and why. Everything else must pass.
CHECKOV_SKIPS: Mapping[str, str] = {
    "CKV_K8S_43": "images are referenced by immutable release tags; CD may pin a digest through "
    "image.digest, which the chart supports",
    "CKV_K8S_15": "release tags are immutable, so IfNotPresent is correct and saves pulls; "
    "Always would only matter for mutable tags",
}
# A vendored ServiceMonitor schema, for checks without the Go toolchain (unit tests); lint_charts
# validates every custom resource against the schemas fetched by deploy/crds.py.
CRD_SCHEMAS: Mapping[tuple[str, str], str] = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
}


class ChartLintFailed(AvionError):
    """A chart failed helm lint, templating, schema validation or the policy scan."""


@dataclass(frozen=True)
class LintTarget:
    """One chart in one environment: what to lint and template, and with which values."""

    chart: str
    path: str  # relative to the workspace root
    env: str
    release: str
    namespace: str
    values_files: tuple[str, ...]  # relative to the workspace root
    library: bool = False  # needs avion-common vendored


@dataclass
class LintReport:
    problems: list[Problem] = field(default_factory=list)
    manifests: dict[str, str] = field(default_factory=dict)  # "<chart>-<env>.yaml" -> text
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def lint_targets(
    platforms: Mapping[str, Platform], *, chart: str | None = None, env: str | None = None
) -> list[LintTarget]:
    """Every chart and environment (or the one asked for), service charts first."""
    envs = [env] if env else list(platforms)
    unknown = [e for e in envs if e not in platforms]
    if unknown:
        raise AvionError(
            f"unknown environment {unknown[0]!r}", hint=f"known: {', '.join(platforms)}"
        )
    services = list(next(iter(platforms.values())).services)
    names = [*services, *LOCAL_CHARTS]
    if chart is not None and chart not in names:
        raise AvionError(f"unknown chart {chart!r}", hint=f"charts: {', '.join(names)}")
    targets = []
    for name in names if chart is None else [chart]:
        for e in envs:
            platform = platforms[e]
            if name in LOCAL_CHARTS:
                namespace = {
                    CLUSTER_CHART: "kube-system",
                    DATASTORES_CHART: platform.environment.namespace,
                    OBSERVABILITY_CHART: MONITORING_NAMESPACE,
                }[name]
                targets.append(
                    LintTarget(
                        name,
                        f"{INFRA_DIR}/charts/{name}",
                        e,
                        name,
                        namespace,
                        (f"{INFRA_DIR}/values/{e}/{name}.yaml",),
                    )
                )
            elif name in platform.services:
                path = f"{CHARTS_DIR}/{name}"
                targets.append(
                    LintTarget(
                        name,
                        path,
                        e,
                        name,
                        platform.environment.namespace,
                        (f"{path}/values-{e}.yaml",),
                        library=True,
                    )
                )
    return targets


def helm_lint_argv(helm: str, chart_dir: Path, values: Sequence[Path]) -> list[str]:
    argv = [helm, "lint", "--strict", "--kube-version", KUBE_VERSION, str(chart_dir)]
    for v in values:
        argv += ["--values", str(v)]
    return argv


def helm_template_argv(
    helm: str, target: LintTarget, chart_dir: Path, values: Sequence[Path]
) -> list[str]:
    argv = [
        helm,
        "template",
        target.release,
        str(chart_dir),
        "--namespace",
        target.namespace,
        "--kube-version",
        KUBE_VERSION,
    ]
    for v in values:
        argv += ["--values", str(v)]
    return argv


@contextmanager
def staged_chart(
    root: Path, target: LintTarget, helm: str, runner: CommandRunner
) -> Iterator[Path]:
    """A temporary copy of the chart with its library dependency vendored under charts/."""
    with tempfile.TemporaryDirectory(prefix="avion-chart-") as tmp:
        stage = Path(tmp)
        chart_copy = stage / Path(target.path).name
        shutil.copytree(root / target.path, chart_copy)
        if target.library:
            shutil.copytree(root / CHARTS_DIR / LIBRARY, stage / LIBRARY)
            done = runner([helm, "dependency", "build", str(chart_copy)], cwd=stage)
            if done.returncode != 0:
                raise ChartLintFailed(
                    f"helm dependency build {target.path} failed:\n{done.stderr.strip()}",
                    hint=f"is {CHARTS_DIR}/{LIBRARY} rendered? run `inv render`",
                )
        yield chart_copy


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]


@cache
def crd_validator(filename: str) -> jsonschema.Draft202012Validator:
    text = (
        resources.files("avion_workspace.deploy").joinpath("schemas", filename).read_text("utf-8")
    )
    return jsonschema.Draft202012Validator(json.loads(text))


Validators = Mapping[tuple[str, str], jsonschema.protocols.Validator]


def vendored_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    return {key: crd_validator(filename) for key, filename in CRD_SCHEMAS.items()}


def crd_problems(
    label: str, docs: Iterable[dict[str, Any]], validators: Validators | None = None
) -> list[Problem]:
    """Validate custom resources against their CRD schemas (default: the vendored ones)."""
    known = validators if validators is not None else vendored_validators()
    problems = []
    for doc in docs:
        key = (str(doc.get("apiVersion")), str(doc.get("kind")))
        validator = known[key]
        name = doc.get("metadata", {}).get("name", "?")
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "$" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
            )
            problems.append(Problem(f"{key[1]}/{name}: {where}: {error.message}", hint=label))
    return problems


def parse_kubernetes_validate(label: str, output: str) -> list[Problem]:
    """ERROR and WARN lines of kubernetes-validate are problems (a missing schema is no pass)."""
    problems = []
    for line in output.splitlines():
        if line.startswith(("ERROR", "WARN", "FATAL")):
            problems.append(Problem(f"{label}: kubernetes-validate: {line}"))
    return problems


def parse_checkov(output: str) -> list[Problem]:
    """Failed checks from checkov's JSON report (one report, or a list of them)."""
    try:
        data = json.loads(output)
    except ValueError:
        return [Problem(f"checkov printed no JSON report:\n{output.strip()[:2000]}")]
    reports = data if isinstance(data, list) else [data]
    problems = []
    for report in reports:
        if not isinstance(report, dict):
            continue
        for failed in report.get("results", {}).get("failed_checks", []):
            problems.append(
                Problem(
                    f"{Path(failed.get('file_path', '?')).name}: {failed.get('resource')}: "
                    f"{failed.get('check_id')} {failed.get('check_name')}",
                    hint=failed.get("guideline") or None,
                )
            )
    return problems


def checkov_argv(checkov: str, directory: Path) -> list[str]:
    return [
        checkov,
        "--directory",
        str(directory),
        "--framework",
        "kubernetes",
        "--skip-check",
        ",".join(sorted(CHECKOV_SKIPS)),
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
    ]


def lint_charts(
    root: Path,
    platforms: Mapping[str, Platform],
    *,
    chart: str | None = None,
    env: str | None = None,
    runner: CommandRunner = run_command,
    policy_scan: bool = True,
) -> LintReport:
    """Run every check; collect all problems (one failure never hides the others)."""
    root = root.resolve()
    helm = str(require_tool(root, "helm"))
    validate = str(kubernetes_validate(root))
    checkov = str(require_checkov(root)) if policy_scan else ""
    validators = {**vendored_validators(), **crd_validators(root)}
    report = LintReport()
    for target in lint_targets(platforms, chart=chart, env=env):
        label = f"{target.chart} ({target.env})"
        with staged_chart(root, target, helm, runner) as chart_dir:
            values = [root / v for v in target.values_files]
            linted = runner(helm_lint_argv(helm, chart_dir, values))
            if linted.returncode != 0:
                report.problems.append(
                    Problem(
                        f"{label}: helm lint --strict failed:\n{(linted.stdout + linted.stderr).strip()}"
                    )
                )
            rendered = runner(helm_template_argv(helm, target, chart_dir, values))
            if rendered.returncode != 0:
                report.problems.append(
                    Problem(f"{label}: helm template failed:\n{rendered.stderr.strip()}")
                )
                continue
        report.manifests[f"{target.chart}-{target.env}.yaml"] = rendered.stdout
        report.problems += _validate_manifests(label, rendered.stdout, validate, runner, validators)
        report.checked.append(label)
    if policy_scan and report.manifests:
        with tempfile.TemporaryDirectory(prefix="avion-manifests-") as tmp:
            out = Path(tmp)
            for name, text in report.manifests.items():
                (out / name).write_text(text, encoding="utf-8")
            scanned = runner(checkov_argv(checkov, out))
            report.problems += parse_checkov(scanned.stdout)
    return report


def _validate_manifests(
    label: str, text: str, validate: str, runner: CommandRunner, validators: Validators
) -> list[Problem]:
    docs = _documents(text)
    crds = [d for d in docs if (str(d.get("apiVersion")), str(d.get("kind"))) in validators]
    core = [d for d in docs if d not in crds]
    problems = crd_problems(label, crds, validators)
    if core:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".yaml", encoding="utf-8", delete=False
        ) as handle:
            yaml.safe_dump_all(core, handle, sort_keys=False)
            path = Path(handle.name)
        try:
            done = runner(
                [validate, "--strict", "--quiet", "--kubernetes-version", KUBE_VERSION, str(path)]
            )
        finally:
            path.unlink()
        problems += parse_kubernetes_validate(label, done.stdout + done.stderr)
        if done.returncode != 0 and not problems:
            problems.append(Problem(f"{label}: kubernetes-validate exited {done.returncode}"))
    return problems


def raise_for(report: LintReport) -> None:
    if report.problems:
        raise ChartLintFailed(
            f"chart checks failed: {len(report.problems)} problem(s)",
            problems=report.problems,
            hint="fix the template or config/ and run `inv render`, then `inv charts.lint` again",
        )
