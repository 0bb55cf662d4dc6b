"""Deploy planning: the exact helm command lines for an environment, as a pure function.

Infrastructure releases come first, in dependency order (the cluster base, monitoring, ingress,
datastores, logs), then one release per service. Every release is
``helm upgrade --install --atomic --wait`` with the values rendered from config, so a failed
release rolls itself back and stops the deploy. Service charts are deployed from a staged copy
under ``.avion/deploy/<env>/charts/`` where their library dependency is vendored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.redact import mask_urls, register_url_secrets
from avion_workspace.render.charts import CHARTS_DIR, LIBRARY
from avion_workspace.render.infrastructure import infrastructure_releases

STATE_DIR = ".avion/deploy"
PRODUCTION = "production"
INFRA_TIMEOUT = "15m"
SERVICE_TIMEOUT = "10m"


class DeployRefused(AvionError):
    """The deploy was not allowed to start (production without CI or confirmation, bad input)."""


@dataclass(frozen=True)
class DeployStep:
    """One release: its helm command and, for upstream charts, what helm will download."""

    release: str
    namespace: str
    kind: str  # "infrastructure" | "service"
    argv: tuple[str, ...]
    # an upstream chart helm downloads, as it may be printed; None for charts in the repo
    fetches: str | None = None
    staged_chart: str | None = None  # service charts: the staged copy helm installs from
    source_chart: str | None = None  # ... and the rendered chart it is copied from
    local_chart: str | None = None  # a chart in the work tree helm can template offline

    @property
    def command_line(self) -> str:
        """The command as it may be printed: the user information of a chart repository URL
        (``https://user:{token}@charts.example/``) masked; ``argv`` keeps it for helm."""
        return " ".join(_quote(mask_urls(a)) for a in self.argv)


@dataclass(frozen=True)
class DeployPlan:
    env: str
    namespace: str
    steps: tuple[DeployStep, ...]

    def state_dir(self) -> str:
        return f"{STATE_DIR}/{self.env}"


def _quote(arg: str) -> str:
    safe = all(c.isalnum() or c in "-_./:=@,+" for c in arg)
    return arg if safe and arg else "'" + arg.replace("'", "'\"'\"'") + "'"


def check_guard(env: str, *, ci: bool, confirmed: bool) -> None:
    """Production is deployed by CI, or by a person who said so explicitly."""
    if env == PRODUCTION and not (ci or confirmed):
        raise DeployRefused(
            "refusing to deploy to production outside CI",
            hint="production is deployed by the cd-production workflow; to do it by hand anyway, "
            "add --yes-production (and mean it)",
        )


def _common(namespace: str, timeout: str, kube_context: str | None) -> list[str]:
    args = [
        "--namespace",
        namespace,
        "--create-namespace",
        "--atomic",
        "--wait",
        "--timeout",
        timeout,
    ]
    if kube_context:
        args += ["--kube-context", kube_context]
    return args


def plan_deploy(
    platform: Platform,
    *,
    service: str | None = None,
    image_tag: str | None = None,
    helm: str = "helm",
    kube_context: str | None = None,
) -> DeployPlan:
    """Every helm command a deploy of ``platform``'s environment runs, in order.

    With ``service``, only that service's release (the infrastructure is assumed in place).
    """
    env = platform.environment
    if service is not None and service not in platform.services:
        raise DeployRefused(
            f"unknown service {service!r}", hint=f"services: {', '.join(platform.services)}"
        )
    steps: list[DeployStep] = []
    if service is None:
        for release in infrastructure_releases(platform):
            argv = [helm, "upgrade", "--install", release.name, release.chart_argument]
            fetches = None
            if release.chart is not None:
                argv += ["--version", release.chart.version]
                if not release.chart.repository.startswith("oci://"):
                    argv += ["--repo", release.chart.repository]
                fetches = mask_urls(release.chart.fetch_description)  # printed as it is
            argv += _common(release.namespace, INFRA_TIMEOUT, kube_context)
            argv += ["--values", release.values_file]
            steps.append(
                DeployStep(
                    release.name,
                    release.namespace,
                    "infrastructure",
                    tuple(argv),
                    fetches,
                    local_chart=release.local_chart,
                )
            )
    names = [service] if service else list(platform.services)
    for name in names:
        staged = f"{STATE_DIR}/{env.name}/charts/{name}"
        argv = [helm, "upgrade", "--install", name, staged]
        argv += _common(env.namespace, SERVICE_TIMEOUT, kube_context)
        argv += ["--values", f"{CHARTS_DIR}/{name}/values-{env.name}.yaml"]
        if image_tag:
            argv += ["--set-string", f"image.tag={image_tag}"]
        steps.append(
            DeployStep(
                name,
                env.namespace,
                "service",
                tuple(argv),
                staged_chart=staged,
                source_chart=f"{CHARTS_DIR}/{name}",
                local_chart=staged,
            )
        )
    return DeployPlan(env.name, env.namespace, tuple(steps))


def register_plan_secrets(plan: DeployPlan) -> None:
    """Mask the user information of every URL in the plan's commands in everything the task
    boundary prints from now on (helm may quote a repository URL in its error output)."""
    for step in plan.steps:
        for arg in step.argv:
            if "://" in arg:
                register_url_secrets(arg)


def dependency_build_argv(helm: str, staged_chart: str) -> tuple[str, ...]:
    """Vendors avion-common (a ``file://`` dependency: no network) into the staged chart."""
    return (helm, "dependency", "build", staged_chart)


def library_chart_dir() -> str:
    return f"{CHARTS_DIR}/{LIBRARY}"


def template_argv(helm: str, step: DeployStep, kube_version: str) -> tuple[str, ...]:
    """``helm template`` with the same release, chart, namespace and values as ``step``."""
    if step.local_chart is None:
        raise ValueError(f"{step.release} is an upstream chart: it cannot be templated offline")
    argv = [helm, "template", step.release, step.local_chart, "--namespace", step.namespace]
    argv += ["--kube-version", kube_version]
    args = list(step.argv)
    for i, arg in enumerate(args):
        if arg in ("--values", "--set-string"):
            argv += [arg, args[i + 1]]
    return tuple(argv)


def ci_from_environment(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").lower() == "true"
