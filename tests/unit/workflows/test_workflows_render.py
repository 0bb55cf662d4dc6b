"""The rendered GitHub workflows: structure, security properties, and what config decides."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.ci.pipeline import (
    PIPELINE_FILE,
    Pipeline,
    PipelineError,
    load_pipeline,
    parse_pipeline,
)
from avion_workspace.ci.policy import files_problems
from avion_workspace.config import load_platforms
from avion_workspace.config.model import CI, Platform
from avion_workspace.render.plan import GENERATED_MARK, RenderContext
from avion_workspace.render.workflows import cloud_region, registry_host, render_workflows

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> Mapping[str, Platform]:
    return load_platforms(fixture_config)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_pipeline(ROOT)


def _render(platforms: Mapping[str, Platform], pipeline: Pipeline) -> dict[str, str]:
    return {
        f.path: f.content.decode() for f in render_workflows(RenderContext(platforms), pipeline)
    }


@pytest.fixture(scope="module")
def rendered(platforms: Mapping[str, Platform], pipeline: Pipeline) -> dict[str, str]:
    return _render(platforms, pipeline)


@pytest.fixture(scope="module")
def parsed(rendered: dict[str, str]) -> dict[str, dict[str, Any]]:
    # BaseLoader keeps `on` a string key, as GitHub reads it.
    return {
        Path(path).stem: yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str, list, dict
        for path, text in rendered.items()
    }


def _runs(workflow: Mapping[str, Any]) -> list[str]:
    return [
        s["run"] for job in workflow["jobs"].values() for s in job.get("steps", []) if "run" in s
    ]


def test_three_workflows_with_the_generated_header(rendered: dict[str, str]) -> None:
    assert sorted(rendered) == [
        ".github/workflows/cd-production.yml",
        ".github/workflows/cd-staging.yml",
        ".github/workflows/ci.yml",
    ]
    for text in rendered.values():
        assert text.startswith(
            f"# {GENERATED_MARK} from workflows/pipeline.yaml and config/platform.yaml"
        )


def test_the_rendered_workflows_satisfy_the_policy(
    rendered: dict[str, str], pipeline: Pipeline
) -> None:
    assert files_problems(rendered, pipeline.bootstrap) == []


def test_no_event_data_reaches_a_script(parsed: dict[str, dict[str, Any]]) -> None:
    for workflow in parsed.values():
        for script in _runs(workflow):
            assert "${{" not in script


def test_permissions_are_least_privilege(parsed: dict[str, dict[str, Any]]) -> None:
    writes = {}
    for name, workflow in parsed.items():
        assert workflow["permissions"] == {"contents": "read"}
        for job_id, job in workflow["jobs"].items():
            scopes = {scope for scope, level in job["permissions"].items() if level == "write"}
            if scopes:
                writes[f"{name}.{job_id}"] = scopes
    assert writes == {
        "ci.service": {"packages"},
        "cd-staging.ci": {"packages"},
        "cd-staging.charts": {"packages"},
        "cd-staging.deploy": {"id-token"},
        "cd-production.promote": {"packages"},
        "cd-production.deploy": {"id-token"},
    }


def test_every_action_is_pinned_from_the_table_with_its_release(
    rendered: dict[str, str], pipeline: Pipeline
) -> None:
    pins = {pin.ref: pin.version for pin in pipeline.actions.values()}
    used = set()
    for text in rendered.values():
        for line in text.splitlines():
            if "uses: " in line and "uses: ./" not in line:
                ref, _, comment = line.split("uses: ", 1)[1].partition("  # ")
                assert pins[ref] == comment
                used.add(ref)
    assert used == set(pins)  # no unused pin lingers in the table


def test_checkout_never_leaves_the_token_behind(parsed: dict[str, dict[str, Any]]) -> None:
    for workflow in parsed.values():
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] == "false"


def test_ci_runs_each_stage_through_the_workspace_tasks(parsed: dict[str, dict[str, Any]]) -> None:
    ci = parsed["ci"]
    assert set(ci["on"]) == {"pull_request", "workflow_call"}
    runs = {
        job_id: [s["run"] for s in job["steps"] if "run" in s][1:]
        for job_id, job in ci["jobs"].items()
    }
    assert runs["lint"] == [
        "nox -s lint",
        "nox -s typecheck",
        "nox -s render-check",
        "nox -s rules",
        "inv tools.install actionlint",
        "inv ci.check-workflows",
    ]
    assert runs["unit"] == ["nox -s tests -- tests/unit"]
    assert runs["integration"][-1] == "nox -s tests -- tests/integration"
    assert runs["security"] == ["inv security.install", "inv security.scan"]
    assert runs["passed"] == ["inv ci.gate"]
    assert ci["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


def test_ci_builds_only_the_affected_services_unless_publishing(
    parsed: dict[str, dict[str, Any]],
) -> None:
    jobs = parsed["ci"]["jobs"]
    affected = jobs["affected"]
    assert affected["steps"][0]["with"]["fetch-depth"] == "0"
    assert affected["steps"][-1] == {
        "id": "affected",
        "run": 'inv ci.affected --base "$BASE_SHA" --github-output',
    }
    assert (
        affected["env"]["BASE_SHA"]
        == "${{ github.event.pull_request.base.sha || github.event.before }}"
    )
    assert set(affected["outputs"]) == {"services", "all", "any"}
    service = jobs["service"]
    assert service["needs"] == ["affected"]
    assert service["strategy"]["fail-fast"] == "false"
    assert service["strategy"]["matrix"]["service"] == (
        "${{ fromJSON(inputs.publish && needs.affected.outputs.all || needs.affected.outputs.services) }}"
    )
    assert service["if"] == "inputs.publish || needs.affected.outputs.any == 'true'"
    pushes = [s for s in service["steps"] if "--push" in s.get("run", "")]
    assert [s["if"] for s in pushes] == ["inputs.publish"]
    assert set(jobs["passed"]["needs"]) == set(jobs) - {"passed"}
    assert jobs["passed"]["if"] == "always()"


def test_staging_deploys_what_ci_built_for_the_commit(
    parsed: dict[str, dict[str, Any]], platforms: Mapping[str, Platform]
) -> None:
    staging = parsed["cd-staging"]
    assert staging["on"] == {"push": {"branches": ["main"]}}
    assert staging["concurrency"] == {"group": "cd-staging", "cancel-in-progress": "false"}
    jobs = staging["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["ci"]["with"] == {"publish": "true"}
    assert jobs["charts"]["steps"][-1]["run"] == "inv charts.push"
    deploy = jobs["deploy"]
    assert deploy["environment"] == {
        "name": "staging",
        "url": f"https://{platforms['staging'].environment.domain}",
    }
    assert deploy["steps"][-1]["run"] == 'inv deploy --env staging --tag "$GITHUB_SHA"'
    credentials = next(s for s in deploy["steps"] if s.get("uses", "").startswith("aws-actions/"))
    assert credentials["with"] == {
        "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        "aws-region": "eu-west-1",
    }


def test_production_promotes_the_commits_images_without_rebuilding(
    parsed: dict[str, dict[str, Any]],
) -> None:
    production = parsed["cd-production"]
    assert production["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert production["concurrency"] == {"group": "cd-production", "cancel-in-progress": "false"}
    assert not any("docker-build" in run for run in _runs(production))
    jobs = production["jobs"]
    assert [s["run"] for s in jobs["promote"]["steps"][-2:]] == [
        "inv tools.install crane",
        'inv ci.promote-images --from-tag "$GITHUB_SHA" --to-tag "$GITHUB_REF_NAME"',
    ]
    deploy = jobs["deploy"]
    assert deploy["needs"] == ["promote"]
    assert deploy["environment"]["name"] == "production"
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    assert deploy["steps"][-1]["run"] == 'inv deploy --env production --tag "$GITHUB_SHA"'


def test_registry_login_follows_config(
    platforms: Mapping[str, Platform], pipeline: Pipeline
) -> None:
    moved = {
        env: dataclasses.replace(
            p, ci=CI("registry.example.com/avion", "oci://charts.example.com/avion", "3.11")
        )
        for env, p in platforms.items()
    }
    staging = yaml.safe_load(_render(moved, pipeline)[".github/workflows/cd-staging.yml"])
    login = next(
        s for s in staging["jobs"]["charts"]["steps"] if s.get("name", "").startswith("Log in")
    )
    assert login["with"] == {
        "registry": "charts.example.com",
        "username": "${{ vars.REGISTRY_USERNAME }}",
        "password": "${{ secrets.REGISTRY_PASSWORD }}",
    }


def test_rendering_is_deterministic(
    rendered: dict[str, str], platforms: Mapping[str, Platform], pipeline: Pipeline
) -> None:
    assert _render(platforms, pipeline) == rendered


def test_the_committed_workflows_are_the_rendered_ones(pipeline: Pipeline) -> None:
    # Checks the committed files, so it renders from the real config/.
    committed = _render(load_platforms(ROOT / "config"), pipeline)
    assert committed
    for path, text in committed.items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `inv render`"
        )


@pytest.mark.parametrize(
    ("reference", "host"),
    [
        ("ghcr.io/avion-platform", "ghcr.io"),
        ("oci://ghcr.io/avion-platform/charts", "ghcr.io"),
        ("registry:5000/x", "registry:5000"),
    ],
)
def test_registry_host(reference: str, host: str) -> None:
    assert registry_host(reference) == host


def test_the_cloud_region_comes_from_the_zones(platforms: Mapping[str, Platform]) -> None:
    assert cloud_region(platforms["production"]) == "eu-west-1"
    env = platforms["production"].environment
    mixed = dataclasses.replace(
        platforms["production"],
        environment=dataclasses.replace(env, zones=("eu-west-1a", "us-east-1b")),
    )
    with pytest.raises(
        PipelineError, match=r"zones must lie in one region .* \(found eu-west-1, us-east-1\)"
    ):
        cloud_region(mixed)
    odd = dataclasses.replace(
        platforms["production"], environment=dataclasses.replace(env, zones=("zone-a",))
    )
    with pytest.raises(PipelineError, match="zone 'zone-a' is not an AWS availability zone"):
        cloud_region(odd)


# --- the pipeline definition -----------------------------------------------------------------


def _definition(**changes: str) -> str:
    text = (ROOT / PIPELINE_FILE).read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _problems(text: str) -> list[str]:
    with pytest.raises(PipelineError) as caught:
        parse_pipeline(text)
    return [p.render() for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_step_that_is_not_a_task_is_refused_at_its_line() -> None:
    text = _definition(
        **{"          - nox -s typecheck\n": "          - pip install mypy && mypy src\n"}
    )
    line = _line_of(text, "pip install mypy")
    assert _problems(text) == [
        f"{PIPELINE_FILE}:{line}:13: $.workflows.ci.jobs.lint.steps[1]: shell operator '&&' in "
        "'pip install mypy && mypy src'; write one task per line (a task that needs to do more does it in Python)"
    ]


def test_a_tag_instead_of_a_sha_is_refused() -> None:
    text = _definition(**{"sha: 08c6903cd8c0fde910a37f88322edcfb5dd907a8": "sha: v5.0.0"})
    [problem] = _problems(text)
    assert "$.actions.checkout.sha: 'v5.0.0' does not match" in problem
    assert "hint: the full 40-hex commit the release tag points at, never a tag" in problem


def test_unknown_keys_get_a_suggestion() -> None:
    text = _definition(**{"        history: full": "        histroy: full"})
    [problem] = _problems(text)
    assert "$.workflows.ci.jobs.affected.histroy: unknown key 'histroy'" in problem
    assert "hint: did you mean 'history'?" in problem


def test_references_between_jobs_workflows_and_pins_are_checked() -> None:
    text = _definition(
        **{
            "        needs: [unit]\n": "        needs: [unti]\n",
            "        workflow: ci.yml": "        workflow: cd-production.yml",
            "  cloud-credentials: {": "  cloud-creds: {",
        }
    )
    problems = _problems(text)
    assert any(
        "job integration needs 'unti', which is not another job of ci.yml" in p
        and "did you mean 'unit'?" in p
        for p in problems
    )
    assert any(
        "job ci calls cd-production.yml, which is not a workflow_call workflow of this pipeline"
        in p
        for p in problems
    )
    assert any(
        "no pin for action 'cloud-credentials', which the workflows use" in p for p in problems
    )


def test_oidc_is_only_for_jobs_in_an_environment() -> None:
    text = _definition(**{"        environment: production\n": ""})
    problems = _problems(text)
    assert any("job deploy gets id-token: write outside an environment" in p for p in problems)


def test_an_environment_must_be_a_kubernetes_environment_of_config(
    platforms: Mapping[str, Platform],
) -> None:
    pipeline = parse_pipeline(_definition(**{"environment: staging": "environment: local"}))
    with pytest.raises(PipelineError) as caught:
        list(render_workflows(RenderContext(platforms), pipeline))
    [problem] = caught.value.problems
    assert (
        problem.message
        == "environment 'local' is not a Kubernetes environment of config/platform.yaml"
    )
    assert problem.hint == "deployable environments: staging, production"
