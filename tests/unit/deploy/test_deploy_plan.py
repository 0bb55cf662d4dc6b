"""Deploy planning: the exact helm commands, their order, and the production guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.deploy.cli import diff_renderings, format_diffs, format_plan
from avion_workspace.deploy.lint import (
    CHECKOV_SKIPS,
    checkov_argv,
    crd_problems,
    lint_targets,
    parse_checkov,
    parse_kubernetes_validate,
)
from avion_workspace.deploy.plan import (
    DeployRefused,
    check_guard,
    ci_from_environment,
    plan_deploy,
    template_argv,
)
from avion_workspace.render import build_plan
from avion_workspace.render.plan import RenderContext


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


def test_infrastructure_comes_before_services(platforms: dict[str, Platform]) -> None:
    plan = plan_deploy(platforms["staging"])
    kinds = [s.kind for s in plan.steps]
    assert kinds == sorted(kinds)  # "infrastructure" < "service"
    releases = [s.release for s in plan.steps]
    assert releases[:2] == ["avion-cluster", "kube-prometheus-stack"]
    assert releases.index("ingress-nginx") < releases.index("alpha")
    assert releases.index("cloudnative-pg") < releases.index("avion-datastores")
    assert releases.index("avion-datastores") < releases.index("alpha")
    services = list(platforms["staging"].services)
    assert releases[-len(services) :] == services


def test_the_exact_command_of_a_service(platforms: dict[str, Platform]) -> None:
    plan = plan_deploy(platforms["staging"], service="alpha", image_tag="1.4.2", helm="helm")
    assert [s.command_line for s in plan.steps] == [
        "helm upgrade --install alpha .avion/deploy/staging/charts/alpha --namespace avion-staging "
        "--create-namespace --atomic --wait --timeout 10m "
        "--values charts/alpha/values-staging.yaml --set-string image.tag=1.4.2"
    ]


def test_the_exact_command_of_an_upstream_chart(platforms: dict[str, Platform]) -> None:
    plan = plan_deploy(platforms["production"], helm="helm", kube_context="prod-eu")
    redis = next(s for s in plan.steps if s.release == "redis-ha")
    assert redis.command_line == (
        "helm upgrade --install redis-ha redis-ha --version 4.38.0 "
        "--repo https://dandydeveloper.github.io/charts --namespace avion --create-namespace --atomic --wait --timeout 15m "
        "--kube-context prod-eu --values infrastructure/kubernetes/values/production/redis-ha.yaml"
    )
    assert redis.fetches == (
        "redis-ha-4.38.0.tgz from the Helm repository https://dandydeveloper.github.io/charts"
    )
    ingress = next(s for s in plan.steps if s.release == "ingress-nginx")
    assert "--repo" in ingress.argv
    assert ingress.fetches is not None
    assert "https://kubernetes.github.io/ingress-nginx" in ingress.fetches


def test_every_release_is_atomic_and_waits(platforms: dict[str, Platform]) -> None:
    for platform in platforms.values():
        for step in plan_deploy(platform).steps:
            assert step.argv[1:3] == ("upgrade", "--install")
            assert "--atomic" in step.argv
            assert "--wait" in step.argv


def test_values_files_of_the_plan_are_rendered_files(platforms: dict[str, Platform]) -> None:
    rendered = build_plan(RenderContext(platforms)).files
    for platform in platforms.values():
        for step in plan_deploy(platform).steps:
            values = step.argv[step.argv.index("--values") + 1]
            assert values in rendered, values


def test_an_s3_server_only_where_object_storage_is_in_the_cluster(
    platforms: dict[str, Platform],
) -> None:
    assert "versitygw" in [s.release for s in plan_deploy(platforms["staging"]).steps]
    assert "versitygw" not in [s.release for s in plan_deploy(platforms["production"]).steps]


def test_the_cluster_chart_is_local_and_fetches_nothing(platforms: dict[str, Platform]) -> None:
    step = plan_deploy(platforms["staging"]).steps[0]
    assert step.fetches is None
    assert step.local_chart == "infrastructure/kubernetes/charts/avion-cluster"
    assert template_argv("helm", step, "1.31.0")[:4] == (
        "helm",
        "template",
        "avion-cluster",
        "infrastructure/kubernetes/charts/avion-cluster",
    )
    upstream = plan_deploy(platforms["staging"]).steps[1]
    with pytest.raises(ValueError, match="cannot be templated offline"):
        template_argv("helm", upstream, "1.31.0")


def test_unknown_service_is_refused_with_the_known_ones(platforms: dict[str, Platform]) -> None:
    with pytest.raises(DeployRefused) as caught:
        plan_deploy(platforms["staging"], service="nope")
    assert caught.value.message == "unknown service 'nope'"
    assert caught.value.hint is not None
    assert caught.value.hint == "services: alpha, beta, gamma"


def test_production_is_refused_outside_ci_without_confirmation() -> None:
    with pytest.raises(DeployRefused) as caught:
        check_guard("production", ci=False, confirmed=False)
    assert caught.value.render() == (
        "error: refusing to deploy to production outside CI\n"
        "hint: production is deployed by the cd-production workflow; to do it by hand anyway, "
        "add --yes-production (and mean it)"
    )
    check_guard("production", ci=True, confirmed=False)
    check_guard("production", ci=False, confirmed=True)
    check_guard("staging", ci=False, confirmed=False)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({"CI": "true"}, True), ({"CI": "TRUE"}, True), ({"CI": "1"}, False), ({}, False)],
)
def test_ci_is_ci_true(environ: dict[str, str], expected: bool) -> None:
    assert ci_from_environment(environ) is expected


def test_format_plan_lists_what_would_be_fetched(platforms: dict[str, Platform]) -> None:
    text = format_plan(plan_deploy(platforms["production"], helm="helm"))
    # Ten infrastructure releases, then one per service.
    releases = 10 + len(platforms["production"].services)
    assert (
        text.splitlines()[0]
        == f"deploy plan for production (namespace avion): {releases} release(s)"
    )
    assert (
        "      fetches loki-6.30.1.tgz from the Helm repository https://grafana.github.io/helm-charts"
        in text
    )


def test_rendering_diffs() -> None:
    previous = {"a.yaml": "x: 1\n", "b.yaml": "y: 1\n", "gone.yaml": "z\n"}
    current = {"a.yaml": "x: 1\n", "b.yaml": "y: 2\n", "new.yaml": "n: 1\nm: 2\n"}
    diffs = {d.name: d for d in diff_renderings(previous, current)}
    assert {n: d.status for n, d in diffs.items()} == {
        "a.yaml": "unchanged",
        "b.yaml": "changed",
        "gone.yaml": "removed",
        "new.yaml": "new",
    }
    assert "-y: 1\n+y: 2\n" in diffs["b.yaml"].diff
    text = format_diffs(list(diffs.values()), "last", "pending")
    assert "  new       new.yaml (2 lines)" in text
    assert "+n: 1" not in text  # new files are counted, and written in full under pending/
    assert "+y: 2" in text
    assert (
        format_diffs([diffs["a.yaml"]], "last", "pending")
        == "no changes against the last deploy (last)"
    )


def test_lint_targets_cover_every_chart_and_environment(platforms: dict[str, Platform]) -> None:
    targets = lint_targets(platforms)
    # The services' charts and the three infrastructure charts of the workspace.
    assert len(targets) == (len(platforms["local"].services) + 3) * len(platforms)
    only = lint_targets(platforms, chart="alpha", env="production")
    assert [(t.chart, t.env, t.namespace, t.values_files) for t in only] == [
        ("alpha", "production", "avion", ("charts/alpha/values-production.yaml",))
    ]


def test_kubernetes_validate_warnings_are_problems() -> None:
    output = (
        "INFO x passed\n"
        "WARN /tmp/a.yaml Couldn't find schema for kind Widget with api version example.com/v1\n"
        "ERROR /tmp/a.yaml did not validate for resource service/x: spec: 'bogus' was unexpected\n"
    )
    problems = parse_kubernetes_validate("auth (staging)", output)
    assert [p.message.split(": ", 2)[1] for p in problems] == [
        "kubernetes-validate",
        "kubernetes-validate",
    ]
    assert "Widget" in problems[0].message
    assert "bogus" in problems[1].message


def test_checkov_failures_are_problems() -> None:
    report = {
        "check_type": "kubernetes",
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_K8S_16",
                    "check_name": "Container should not be privileged",
                    "file_path": "/auth-staging.yaml",
                    "resource": "Deployment.avion.auth",
                    "guideline": None,
                }
            ]
        },
    }
    problems = parse_checkov(json.dumps([report]))
    assert [p.message for p in problems] == [
        "auth-staging.yaml: Deployment.avion.auth: CKV_K8S_16 Container should not be privileged"
    ]
    assert parse_checkov("not json")[0].message.startswith("checkov printed no JSON report")


def test_checkov_skips_each_have_a_reason() -> None:
    assert CHECKOV_SKIPS
    assert all(len(reason) > 20 for reason in CHECKOV_SKIPS.values())
    argv = checkov_argv("checkov", Path("/m"))
    assert argv[argv.index("--skip-check") + 1] == ",".join(sorted(CHECKOV_SKIPS))
    assert argv[argv.index("--framework") + 1] == "kubernetes"


def test_service_monitor_is_validated_against_the_vendored_schema() -> None:
    good = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "auth"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "endpoints": [{"port": "http", "interval": "30s"}],
        },
    }
    assert crd_problems("auth", [good]) == []
    bad = {**good, "spec": {**good["spec"], "endpoints": [{"port": "http", "intervall": "30s"}]}}
    problems = crd_problems("auth", [bad])
    assert len(problems) == 1
    assert problems[0].message.startswith(
        "ServiceMonitor/auth: $.spec.endpoints[0]: Additional properties"
    )


def test_credentials_in_a_chart_repository_url_are_never_printed(
    platforms: dict[str, Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upstream chart repository reached with a user and token (a private mirror): helm gets
    the URL as written; the plan, its fetch lines and what the boundary prints mask the token."""
    from dataclasses import replace

    from avion_workspace import boundary
    from avion_workspace.boundary import mask
    from avion_workspace.deploy.plan import register_plan_secrets
    from avion_workspace.render.infrastructure import UPSTREAM

    token = "tok-9f8e7d6c5b4a"
    https = f"https://robot:{token}@charts.example/ingress"
    oci = f"oci://robot:{token}@registry.example/charts"
    monkeypatch.setitem(
        UPSTREAM, "ingress-nginx", replace(UPSTREAM["ingress-nginx"], repository=https)
    )
    monkeypatch.setitem(
        UPSTREAM,
        "kube-prometheus-stack",
        replace(UPSTREAM["kube-prometheus-stack"], repository=oci),
    )
    plan = plan_deploy(platforms["production"], helm="helm")
    argv = [arg for step in plan.steps for arg in step.argv]
    assert https in argv
    assert f"{oci}/kube-prometheus-stack" in argv
    printed = format_plan(plan)
    assert token not in printed
    assert "'https://***@charts.example/ingress'" in printed
    assert (
        "fetches ingress-nginx-4.12.0.tgz from the Helm repository https://***@charts.example/ingress"
        in printed
    )
    assert "oci://***@registry.example/charts/kube-prometheus-stack" in printed
    monkeypatch.setattr(boundary, "_SECRETS", set())  # this test's registrations stay here
    register_plan_secrets(plan)
    helm_says = f'Error: looks like "{https}" is not a valid chart repository (robot:{token})'
    assert token not in mask(helm_says)
