"""GitHub workflows rendered from workflows/pipeline.yaml and the platform config.

The definition says what each job runs; this module adds what every job needs and what
config decides: checkout without persisted credentials, Python from ``ci.python_version``,
the workspace install, Go for the pinned tools, registry login (host from ``ci.registry`` /
``ci.chart_repository``), OIDC cloud credentials (region from the environment's zones) and
the environment's URL. The result is serialized with a YAML emitter, not a text template:
GitHub's ``${{ }}`` would clash with Jinja's delimiters, and an emitter quotes every value
correctly. Pinned actions get their release as a trailing comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from avion_workspace.ci.pipeline import (
    JobDef,
    Pipeline,
    PipelineError,
    StepDef,
    WorkflowDef,
    load_pipeline,
)
from avion_workspace.config.model import Platform
from avion_workspace.render.plan import GeneratedFile, RenderContext, stamp
from avion_workspace.workspace import find_root

SOURCE = "workflows/pipeline.yaml and config/platform.yaml"
CLOUD_ROLE = "${{ vars.AWS_DEPLOY_ROLE_ARN }}"  # an environment variable of each GitHub environment
GHCR = "ghcr.io"
# Why a job holds each write scope, written next to it (reviewers and zizmor ask for it).
PERMISSION_REASONS = {
    "packages": "push images and charts to the registry",
    "id-token": "OIDC: short-lived cloud credentials, no stored keys",
}
_AWS_ZONE = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$")


def registry_host(reference: str) -> str:
    """``oci://ghcr.io/org/charts`` or ``ghcr.io/org`` → ``ghcr.io``."""
    return reference.removeprefix("oci://").split("/", 1)[0]


def registry_credentials(host: str) -> dict[str, str]:
    """GHCR takes the job's own token; any other registry, a repository variable and secret."""
    if host == GHCR:
        return {"username": "${{ github.actor }}", "password": "${{ secrets.GITHUB_TOKEN }}"}
    return {
        "username": "${{ vars.REGISTRY_USERNAME }}",
        "password": "${{ secrets.REGISTRY_PASSWORD }}",
    }


def cloud_region(platform: Platform) -> str:
    """The one AWS region of an environment's zones (``eu-west-1a`` → ``eu-west-1``)."""
    zones = platform.environment.zones
    regions = set()
    for zone in zones:
        match = _AWS_ZONE.match(zone)
        if match is None:
            raise PipelineError(
                f"environment {platform.environment.name}: zone {zone!r} is not an AWS availability zone",
                hint="cloud credentials need the region; zones look like eu-west-1a",
            )
        regions.add(match.group(1))
    if len(regions) != 1:
        found = ", ".join(sorted(regions)) or "no zones"
        raise PipelineError(
            f"environment {platform.environment.name}: zones must lie in one region to deploy with "
            f"cloud credentials (found {found})",
            hint="list the environment's availability zones in config/platform.yaml",
        )
    return regions.pop()


def _environment(
    pipeline: Pipeline, wf: WorkflowDef, job: JobDef, platforms: Mapping[str, Platform]
) -> Platform:
    name = job.environment or ""
    platform = platforms.get(name)
    if platform is None or platform.environment.kind != "kubernetes":
        deployable = [n for n, p in platforms.items() if p.environment.kind == "kubernetes"]
        raise PipelineError.from_problems(
            pipeline.source,
            [
                pipeline.problem(
                    ("workflows", wf.key, "jobs", job.id, "environment"),
                    f"environment {name!r} is not a Kubernetes environment of config/platform.yaml",
                    f"deployable environments: {', '.join(deployable) or '(none)'}",
                )
            ],
        )
    return platform


def _setup_steps(
    pipeline: Pipeline, job: JobDef, base: Platform, env: Platform | None
) -> list[dict[str, Any]]:
    checkout: dict[str, Any] = {"persist-credentials": False}
    if job.full_history:
        checkout["fetch-depth"] = 0
    steps: list[dict[str, Any]] = [
        {"name": "Check out", "uses": pipeline.action("checkout").ref, "with": checkout},
    ]
    if job.cloud:
        assert env is not None  # a cloud job has an environment: checked when loading
        steps.append(
            {
                "name": "Cloud credentials (OIDC, no stored keys)",
                "uses": pipeline.action("cloud-credentials").ref,
                "with": {"role-to-assume": CLOUD_ROLE, "aws-region": cloud_region(env)},
            }
        )
    steps.append(
        {
            "name": "Set up Python",
            "uses": pipeline.action("setup-python").ref,
            "with": {"python-version": base.ci.python_version},
        }
    )
    if job.go:
        steps.append(
            {
                "name": "Set up Go (builds the pinned tools)",
                "uses": pipeline.action("setup-go").ref,
                # No cache: a cache written by one run must not feed a release build.
                "with": {"go-version": pipeline.go_version, "cache": False},
            }
        )
    steps.append({"name": "Install the workspace", "run": "\n".join(pipeline.bootstrap) + "\n"})
    if job.login is not None:
        target = base.ci.registry if job.login.registry == "images" else base.ci.chart_repository
        host = registry_host(target)
        login: dict[str, Any] = {"name": f"Log in to {host}"}
        if job.login.if_:
            login["if"] = job.login.if_
        login["uses"] = pipeline.action("registry-login").ref
        login["with"] = {"registry": host, **registry_credentials(host)}
        steps.append(login)
    return steps


def _task_step(step: StepDef) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if step.name:
        out["name"] = step.name
    if step.id:
        out["id"] = step.id
    if step.if_:
        out["if"] = step.if_
    out["run"] = step.run
    return out


def build_job(
    pipeline: Pipeline,
    wf: WorkflowDef,
    job: JobDef,
    platforms: Mapping[str, Platform],
    base: Platform,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": job.name}
    if job.needs:
        out["needs"] = list(job.needs)
    if job.if_:
        out["if"] = job.if_
    if job.workflow is not None:
        out["permissions"] = dict(job.permissions)
        out["uses"] = f"./{wf.path.rsplit('/', 1)[0]}/{job.workflow}"
        if job.with_:
            out["with"] = dict(job.with_)
        return out
    out["runs-on"] = pipeline.runner
    out["timeout-minutes"] = job.timeout
    out["permissions"] = dict(job.permissions)
    env_platform = _environment(pipeline, wf, job, platforms) if job.environment else None
    if env_platform is not None:
        out["environment"] = {
            "name": job.environment,
            "url": f"https://{env_platform.environment.domain}",
        }
    if job.matrix:
        out["strategy"] = {"fail-fast": False, "matrix": dict(job.matrix)}
    if job.outputs:
        out["outputs"] = dict(job.outputs)
    if job.env:
        out["env"] = dict(job.env)
    out["steps"] = [
        *_setup_steps(pipeline, job, base, env_platform),
        *(_task_step(s) for s in job.steps),
    ]
    if job.artifact is not None:
        upload: dict[str, Any] = {
            "name": job.artifact.name,
            "path": job.artifact.path,
            "if-no-files-found": "error",
        }
        if job.artifact.retention_days is not None:
            upload["retention-days"] = job.artifact.retention_days
        out["steps"].append(
            {
                "name": f"Publish {job.artifact.name}",
                "uses": pipeline.action("upload-artifact").ref,
                "with": upload,
            }
        )
    return out


def build_workflow(
    pipeline: Pipeline, wf: WorkflowDef, platforms: Mapping[str, Platform], base: Platform
) -> dict[str, Any]:
    """The workflow as plain data, keys in the order GitHub users expect to read them."""
    return {
        "name": wf.name,
        "on": dict(wf.triggers),
        "permissions": {"contents": "read"},
        "concurrency": {"group": wf.concurrency_group, "cancel-in-progress": wf.cancel_in_progress},
        "jobs": {job.id: build_job(pipeline, wf, job, platforms, base) for job in wf.jobs.values()},
    }


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, multi-line strings as ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def emit(tree: Mapping[str, Any], pipeline: Pipeline) -> str:
    """YAML text of a workflow: pinned actions commented with their release, jobs spaced."""
    text = yaml.dump(dict(tree), Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)
    versions = {pin.ref: pin.version for pin in pipeline.actions.values()}
    lines: list[str] = []
    in_jobs = False
    for line in text.splitlines():
        if line == "'on':":
            line = "on:"  # GitHub reads the key as written; the quotes only satisfy YAML 1.1
        ref = line.strip().removeprefix("- ").removeprefix("uses: ") if "uses: " in line else ""
        if ref in versions:
            line = f"{line}  # {versions[ref]}"
        scope, _, level = line.strip().partition(": ")
        if level == "write" and scope in PERMISSION_REASONS:
            line = f"{line}  # {PERMISSION_REASONS[scope]}"
        top_level = bool(line) and not line[0].isspace()
        job_start = (
            in_jobs
            and line.startswith("  ")
            and not line.startswith("   ")
            and line.rstrip().endswith(":")
        )
        if lines and (top_level or (job_start and not lines[-1].startswith("jobs:"))):
            lines.append("")
        in_jobs = in_jobs or line.startswith("jobs:")
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_workflows(context: RenderContext, pipeline: Pipeline) -> Iterator[GeneratedFile]:
    base = context.local
    for wf in pipeline.workflows.values():
        body = emit(build_workflow(pipeline, wf, context.platforms, base), pipeline)
        yield GeneratedFile(wf.path, stamp(wf.path, body, SOURCE), SOURCE)


def workspace_of_engine() -> Path:
    """The workspace this engine is checked out in: the pipeline is versioned with it."""
    return find_root(Path(__file__).resolve().parent)


def workflows(context: RenderContext) -> Iterable[GeneratedFile]:
    """.github/workflows/*.yml from workflows/pipeline.yaml."""
    return list(render_workflows(context, load_pipeline(workspace_of_engine())))
