"""The pipeline definition (workflows/pipeline.yaml): loaded safely, validated, located.

The definition says which task every stage calls and which actions the workflows may use,
pinned; :mod:`avion_workspace.render.workflows` turns it into GitHub workflows. Problems are
collected and reported together with file:line and a JSON path, like config problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from avion_workspace.ci import policy
from avion_workspace.config.loader import Document, JsonPath, format_json_path, load_text
from avion_workspace.errors import AvionError, ConfigError, Location, Problem

PIPELINE_FILE = "workflows/pipeline.yaml"
WORKFLOWS_DIR = ".github/workflows"
DEFAULT_PERMISSIONS: Mapping[str, str] = {"contents": "read"}
DEFAULT_TIMEOUT_MINUTES = 30
# Actions the engine itself adds to jobs; the table must pin each one the pipeline needs.
CORE_ACTIONS = ("checkout", "setup-python")
REGISTRIES = ("images", "charts")


class PipelineError(AvionError):
    """workflows/pipeline.yaml is invalid; ``problems`` holds every problem, located."""

    @classmethod
    def from_problems(cls, source: str, problems: list[Problem]) -> PipelineError:
        unique = sorted(set(problems), key=Problem.sort_key)
        noun = "problem" if len(unique) == 1 else "problems"
        return cls(f"invalid pipeline definition {source}: {len(unique)} {noun}", problems=unique)


_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_PERMISSIONS = {
    "type": "object",
    "additionalProperties": {"enum": ["read", "write", "none"]},
    "x-hint": "scopes as GitHub names them, e.g. {contents: read, packages: write}",
}
_STEP = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["run"],
            "additionalProperties": False,
            "properties": {
                "run": {"type": "string", "minLength": 1},
                "id": _NAME,
                "name": {"type": "string"},
                "if": {"type": "string"},
            },
        },
    ]
}
_JOB = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "needs": {"type": "array", "items": _NAME, "uniqueItems": True},
        "if": {"type": "string"},
        "permissions": _PERMISSIONS,
        "environment": _NAME,
        "history": {"enum": ["shallow", "full"]},
        "go": {"type": "boolean"},
        "cloud": {"type": "boolean"},
        "login": {
            "type": "object",
            "required": ["registry"],
            "additionalProperties": False,
            "properties": {"registry": {"enum": list(REGISTRIES)}, "if": {"type": "string"}},
        },
        "matrix": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "string"},
        },
        "artifact": {
            "type": "object",
            "required": ["name", "path"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
                "path": {"type": "string", "minLength": 1},
                "retention_days": {"type": "integer", "minimum": 1, "maximum": 90},
            },
            "x-hint": "what the job publishes after its steps: {name: docs-site, path: site/}",
        },
        "env": _STRING_MAP,
        "outputs": _STRING_MAP,
        "steps": {"type": "array", "minItems": 1, "items": _STEP},
        "workflow": {"type": "string", "pattern": r"^[a-z0-9-]+\.yml$"},
        "with": {"type": "object"},
        "timeout": {"type": "integer", "minimum": 1, "maximum": 360},
    },
}
SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runner", "toolchain", "actions", "bootstrap", "workflows"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "runner": {"type": "string", "minLength": 1},
        "toolchain": {
            "type": "object",
            "required": ["go"],
            "additionalProperties": False,
            "properties": {"go": {"type": "string", "pattern": r"^\d+\.\d+(\.\d+)?$"}},
        },
        "actions": {
            "type": "object",
            "propertyNames": _NAME,
            "additionalProperties": {
                "type": "object",
                "required": ["repo", "version", "sha"],
                "additionalProperties": False,
                "properties": {
                    "repo": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$"},
                    "version": {"type": "string", "pattern": r"^v?\d+(\.\d+)*$"},
                    "sha": {
                        "type": "string",
                        "pattern": "^[0-9a-f]{40}$",
                        "x-hint": "the full 40-hex commit the release tag points at, never a tag",
                    },
                },
            },
        },
        "bootstrap": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "workflows": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": _NAME,
            "additionalProperties": {
                "type": "object",
                "required": ["file", "name", "triggers", "concurrency", "jobs"],
                "additionalProperties": False,
                "properties": {
                    "file": {"type": "string", "pattern": r"^[a-z0-9-]+\.yml$"},
                    "name": {"type": "string", "minLength": 1},
                    "triggers": {"type": "object", "minProperties": 1},
                    "concurrency": {
                        "type": "object",
                        "required": ["group", "cancel_in_progress"],
                        "additionalProperties": False,
                        "properties": {
                            "group": {"type": "string", "minLength": 1},
                            "cancel_in_progress": {"type": ["boolean", "string"]},
                        },
                    },
                    "jobs": {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": _NAME,
                        "additionalProperties": _JOB,
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class ActionPin:
    key: str
    repo: str
    version: str
    sha: str

    @property
    def ref(self) -> str:
        return f"{self.repo}@{self.sha}"


@dataclass(frozen=True)
class StepDef:
    run: str
    id: str | None = None
    name: str | None = None
    if_: str | None = None


@dataclass(frozen=True)
class Login:
    registry: str  # "images" | "charts"
    if_: str | None = None


@dataclass(frozen=True)
class Artifact:
    """A folder the job uploads after its steps (upload-artifact), e.g. the built docs site."""

    name: str
    path: str
    retention_days: int | None = None


@dataclass(frozen=True)
class JobDef:
    id: str
    name: str
    needs: tuple[str, ...] = ()
    if_: str | None = None
    permissions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    environment: str | None = None
    full_history: bool = False
    go: bool = False
    cloud: bool = False
    login: Login | None = None
    artifact: Artifact | None = None
    matrix: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[StepDef, ...] = ()
    workflow: str | None = None  # a reusable workflow of this pipeline, by file name
    with_: Mapping[str, Any] = field(default_factory=dict)
    timeout: int = DEFAULT_TIMEOUT_MINUTES


@dataclass(frozen=True)
class WorkflowDef:
    key: str
    file: str
    name: str
    triggers: Mapping[str, Any]
    concurrency_group: str
    cancel_in_progress: bool | str
    jobs: Mapping[str, JobDef]

    @property
    def path(self) -> str:
        return f"{WORKFLOWS_DIR}/{self.file}"


@dataclass(frozen=True)
class Pipeline:
    source: str
    runner: str
    go_version: str
    actions: Mapping[str, ActionPin]
    bootstrap: tuple[str, ...]
    workflows: Mapping[str, WorkflowDef]
    document: Document | None = field(default=None, compare=False, repr=False)

    def locate(self, path: JsonPath) -> Location:
        return self.document.locate(path) if self.document else Location(self.source)

    def problem(self, path: JsonPath, message: str, hint: str | None = None) -> Problem:
        return Problem(message, self.locate(path), format_json_path(path), hint)

    def action(self, key: str) -> ActionPin:
        return self.actions[key]


def _schema_problems(doc: Document) -> Iterator[Problem]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for error in validator.iter_errors(doc.data):
        if error.context:
            error = best_match(error.context)
        path: JsonPath = tuple(error.absolute_path)
        schema = error.schema if isinstance(error.schema, dict) else {}
        hint = schema.get("x-hint")
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(schema.get("properties") or {})
            for key in sorted(set(error.instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1)
                yield Problem(
                    f"unknown key {key!r}",
                    doc.locate((*path, key), key=True),
                    format_json_path((*path, key)),
                    (f"did you mean {close[0]!r}? " if close else "")
                    + "allowed: "
                    + ", ".join(allowed),
                )
            continue
        yield Problem(
            error.message,
            doc.locate(path),
            format_json_path(path),
            hint if isinstance(hint, str) else None,
        )


def _step(raw: str | Mapping[str, Any]) -> StepDef:
    if isinstance(raw, str):
        return StepDef(raw)
    return StepDef(raw["run"], raw.get("id"), raw.get("name"), raw.get("if"))


def _job(job_id: str, raw: Mapping[str, Any]) -> JobDef:
    login = raw.get("login")
    artifact = raw.get("artifact")
    return JobDef(
        id=job_id,
        name=raw["name"],
        needs=tuple(raw.get("needs", ())),
        if_=raw.get("if"),
        permissions=dict(raw.get("permissions", DEFAULT_PERMISSIONS)),
        environment=raw.get("environment"),
        full_history=raw.get("history") == "full",
        go=bool(raw.get("go", False)),
        cloud=bool(raw.get("cloud", False)),
        login=Login(login["registry"], login.get("if")) if login else None,
        artifact=(
            Artifact(artifact["name"], artifact["path"], artifact.get("retention_days"))
            if artifact
            else None
        ),
        matrix=dict(raw.get("matrix", {})),
        env=dict(raw.get("env", {})),
        outputs=dict(raw.get("outputs", {})),
        steps=tuple(_step(s) for s in raw.get("steps", ())),
        workflow=raw.get("workflow"),
        with_=dict(raw.get("with", {})),
        timeout=raw.get("timeout", DEFAULT_TIMEOUT_MINUTES),
    )


def _build(doc: Document) -> Pipeline:
    data = doc.data
    workflows = {
        key: WorkflowDef(
            key=key,
            file=wf["file"],
            name=wf["name"],
            triggers=wf["triggers"],
            concurrency_group=wf["concurrency"]["group"],
            cancel_in_progress=wf["concurrency"]["cancel_in_progress"],
            jobs={job_id: _job(job_id, job) for job_id, job in wf["jobs"].items()},
        )
        for key, wf in data["workflows"].items()
    }
    return Pipeline(
        source=doc.source,
        runner=data["runner"],
        go_version=data["toolchain"]["go"],
        actions={
            k: ActionPin(k, a["repo"], a["version"], a["sha"]) for k, a in data["actions"].items()
        },
        bootstrap=tuple(data["bootstrap"]),
        workflows=workflows,
        document=doc,
    )


def _semantic_problems(pipeline: Pipeline) -> Iterator[Problem]:
    needed = set(CORE_ACTIONS)
    files = {wf.file: wf for wf in pipeline.workflows.values()}
    seen_files: dict[str, str] = {}
    for key, wf in pipeline.workflows.items():
        base: JsonPath = ("workflows", key)
        if wf.file in seen_files:
            yield pipeline.problem(
                (*base, "file"), f"{wf.file} is also rendered by workflow {seen_files[wf.file]!r}"
            )
        seen_files.setdefault(wf.file, key)
        for job in wf.jobs.values():
            path: JsonPath = (*base, "jobs", job.id)
            for index, need in enumerate(job.needs):
                if need not in wf.jobs or need == job.id:
                    close = difflib.get_close_matches(need, list(wf.jobs), n=1)
                    yield pipeline.problem(
                        (*path, "needs", index),
                        f"job {job.id} needs {need!r}, which is not another job of {wf.file}",
                        f"did you mean {close[0]!r}?" if close else f"jobs: {', '.join(wf.jobs)}",
                    )
            yield from _job_shape_problems(pipeline, wf, job, path, files)
            if job.workflow is None:
                needed.update({"setup-go"} if job.go else set())
                needed.update({"registry-login"} if job.login else set())
                needed.update({"cloud-credentials"} if job.cloud else set())
                needed.update({"upload-artifact"} if job.artifact else set())
            for index, step in enumerate(job.steps):
                message = policy.command_problem(step.run, pipeline.bootstrap)
                if message is not None:
                    yield pipeline.problem((*path, "steps", index), message)
    for key in sorted(needed - set(pipeline.actions)):
        yield pipeline.problem(
            ("actions",),
            f"no pin for action {key!r}, which the workflows use",
            "add it to the actions table",
        )


def _job_shape_problems(
    pipeline: Pipeline,
    wf: WorkflowDef,
    job: JobDef,
    path: JsonPath,
    files: Mapping[str, WorkflowDef],
) -> Iterator[Problem]:
    if job.workflow is not None:
        target = files.get(job.workflow)
        if target is None or "workflow_call" not in target.triggers:
            yield pipeline.problem(
                (*path, "workflow"),
                f"job {job.id} calls {job.workflow}, which is not a workflow_call workflow of this pipeline",
            )
        if job.steps or job.go or job.cloud or job.login or job.matrix or job.artifact:
            yield pipeline.problem(
                path, f"job {job.id} calls a workflow: it has no steps or setup of its own"
            )
    elif not job.steps:
        yield pipeline.problem(
            path, f"job {job.id} has no steps", "add the tasks it runs under steps:"
        )
    if job.with_ and job.workflow is None:
        yield pipeline.problem((*path, "with"), "with: is only for jobs that call a workflow")
    if job.permissions.get("id-token") == "write" and job.environment is None:
        yield pipeline.problem(
            (*path, "permissions"),
            f"job {job.id} gets id-token: write outside an environment",
            "OIDC cloud credentials only in a protected environment: add environment:",
        )
    if job.cloud and job.permissions.get("id-token") != "write":
        yield pipeline.problem(
            (*path, "cloud"), f"job {job.id} needs id-token: write for OIDC cloud credentials"
        )
    if job.login and job.permissions.get("packages") != "write":
        yield pipeline.problem(
            (*path, "login"), f"job {job.id} logs in to push but has no packages: write permission"
        )


def parse_pipeline(text: str, source: str = PIPELINE_FILE) -> Pipeline:
    """Parse and validate a pipeline definition; raises :class:`PipelineError` with every problem."""
    try:
        doc = load_text(text, source)
    except ConfigError as exc:
        raise PipelineError.from_problems(source, list(exc.problems)) from None
    problems = list(_schema_problems(doc))
    if problems:
        raise PipelineError.from_problems(source, problems)
    pipeline = _build(doc)
    problems = list(_semantic_problems(pipeline))
    if problems:
        raise PipelineError.from_problems(source, problems)
    return pipeline


def load_pipeline(root: Path) -> Pipeline:
    path = root / PIPELINE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(
            f"{PIPELINE_FILE} not found under {root}",
            hint="the workflows are rendered from it; restore it from git",
        ) from None
    return parse_pipeline(text, PIPELINE_FILE)
