"""The rendered charts through the real helm, kubernetes-validate and checkov; dry-run deploys."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.deploy import cli as deploy_cli
from avion_workspace.deploy.lint import (
    checkov_argv,
    helm_lint_argv,
    helm_template_argv,
    lint_charts,
    lint_targets,
    parse_checkov,
    raise_for,
    staged_chart,
)
from avion_workspace.deploy.plan import DeployRefused
from avion_workspace.process import Completed, run_command
from tests.support import ROOT, require_tool

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platforms() -> dict[str, Platform]:
    return load_platforms(ROOT / "config")


@pytest.fixture(scope="module")
def tools() -> dict[str, Path]:
    return {"helm": require_tool("helm"), "checkov": require_tool("checkov")}


def test_every_chart_and_environment_passes_every_tool(
    platforms: dict[str, Platform], tools: dict[str, Path]
) -> None:
    report = lint_charts(ROOT, platforms)
    assert [p.render() for p in report.problems] == []
    assert len(report.checked) == len(lint_targets(platforms))
    raise_for(report)  # nothing to raise
    prod = yaml.safe_load_all(report.manifests["auth-production.yaml"])
    kinds = sorted({d["kind"] for d in prod if d})
    assert kinds == [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
    datastores = [
        d for d in yaml.safe_load_all(report.manifests["avion-datastores-production.yaml"]) if d
    ]
    assert sorted({d["kind"] for d in datastores}) == [
        "Cluster",
        "ConfigMap",
        "Database",
        "PodMonitor",
        "Pooler",
        "ScheduledBackup",
    ]
    cluster = next(d for d in datastores if d["kind"] == "Cluster")
    assert cluster["spec"]["instances"] == 3
    cluster = [d for d in yaml.safe_load_all(report.manifests["avion-cluster-staging.yaml"]) if d]
    deny = next(d for d in cluster if d["metadata"]["name"] == "default-deny-all")
    assert deny["spec"]["podSelector"] == {}
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]


def _values_with(tmp_path: Path, chart: str, env: str, path: Sequence[str], value: object) -> Path:
    values = yaml.safe_load((ROOT / f"charts/{chart}/values-{env}.yaml").read_text())
    node = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    target = tmp_path / "bad-values.yaml"
    target.write_text(yaml.safe_dump(values))
    return target


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("containerSecurityContext", "runAsNonRoot"), False, "runAsNonRoot"),
        (("resources", "limits", "memory"), "lots", "memory"),
        (("replicaCount",), 0, "replicaCount"),
    ],
)
def test_real_helm_rejects_bad_values(
    platforms: dict[str, Platform],
    tools: dict[str, Path],
    tmp_path: Path,
    path: Sequence[str],
    value: object,
    expected: str,
) -> None:
    helm = str(tools["helm"])
    target = lint_targets(platforms, chart="auth", env="production")[0]
    bad = _values_with(tmp_path, "auth", "production", path, value)
    with staged_chart(ROOT, target, helm, run_command) as chart_dir:
        linted = run_command(helm_lint_argv(helm, chart_dir, [bad]))
        rendered = run_command(helm_template_argv(helm, target, chart_dir, [bad]))
    assert linted.returncode != 0
    assert rendered.returncode != 0
    assert "values don't meet the specifications of the schema" in rendered.stderr
    assert expected in rendered.stderr


def test_cross_field_validations_fail_once_with_every_message(
    platforms: dict[str, Platform], tools: dict[str, Path], tmp_path: Path
) -> None:
    helm = str(tools["helm"])
    target = lint_targets(platforms, chart="auth", env="production")[0]
    values = yaml.safe_load((ROOT / "charts/auth/values-production.yaml").read_text())
    values["autoscaling"]["minReplicas"] = 9
    values["autoscaling"]["maxReplicas"] = 4
    values["podDisruptionBudget"]["maxUnavailable"] = 9
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(values))
    with staged_chart(ROOT, target, helm, run_command) as chart_dir:
        rendered = run_command(helm_template_argv(helm, target, chart_dir, [bad]))
    assert rendered.returncode != 0
    assert "VALUES VALIDATION" in rendered.stderr
    assert "autoscaling.minReplicas (9) is above autoscaling.maxReplicas (4)" in rendered.stderr
    assert (
        "podDisruptionBudget.maxUnavailable (9) leaves no pod running out of 9 replicas"
        in rendered.stderr
    )


def test_schema_validation_catches_an_unknown_field(tools: dict[str, Path]) -> None:
    from avion_workspace.deploy.lint import _validate_manifests
    from avion_workspace.deploy.tools import kubernetes_validate

    manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {bogus: 1, ports: [{port: 80}]}\n"
    problems = _validate_manifests("x", manifest, str(kubernetes_validate(ROOT)), run_command, {})
    assert len(problems) == 1
    assert "'bogus' was unexpected" in problems[0].message


def test_custom_resources_are_validated_against_the_operators_crds(tools: dict[str, Path]) -> None:
    from avion_workspace.deploy.crds import crd_validators
    from avion_workspace.deploy.lint import _validate_manifests
    from avion_workspace.deploy.tools import kubernetes_validate

    validators = crd_validators(ROOT)
    assert ("postgresql.cnpg.io/v1", "Cluster") in validators
    assert ("monitoring.coreos.com/v1", "PrometheusRule") in validators
    manifest = (
        "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: pg}\n"
        "spec: {instances: 3, storage: {size: 1Gi}, replicas: 3}\n"
        "---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
        "spec: {groups: [{name: g, rules: [{alert: A, expr: up, for: soon}]}]}\n"
    )
    problems = _validate_manifests(
        "x", manifest, str(kubernetes_validate(ROOT)), run_command, validators
    )
    messages = sorted(p.message for p in problems)
    assert len(messages) == 2, messages
    assert messages[0] == (
        "Cluster/pg: $.spec: Additional properties are not allowed ('replicas' was unexpected)"
    )
    assert messages[1].startswith("PrometheusRule/r: $.spec.groups[0].rules[0].for: 'soon'")


def test_checkov_finds_a_privileged_container(tools: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "bad", "namespace": "avion"},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "x:1", "securityContext": {"privileged": True}}
                    ]
                },
            }
        )
    )
    done = run_command(checkov_argv(str(tools["checkov"]), tmp_path))
    ids = {p.message.split(": ")[2].split()[0] for p in parse_checkov(done.stdout)}
    assert "CKV_K8S_16" in ids  # privileged
    assert "CKV_K8S_43" not in ids  # skipped, with its reason


@pytest.fixture
def workspace_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The rendered charts and config in a private workspace; .tools shared with the real one."""
    for folder in ("config", "charts", "infrastructure/kubernetes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "tasks.py").write_text("")
    (tmp_path / ".tools").symlink_to(ROOT / ".tools")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dry_run_prints_commands_and_the_diff_against_the_last_deploy(
    tools: dict[str, Path], workspace_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy_cli.run_deploy("staging", dry_run=True, environ={})
    first = capsys.readouterr().out
    assert (
        first.splitlines()[0] == "deploy plan for staging (namespace avion-staging): 21 release(s)"
    )
    assert "  new       auth.yaml (" in first
    assert first.rstrip().endswith("dry run: nothing was applied.")
    pending = workspace_copy / ".avion/deploy/staging/pending"
    assert (pending / "auth.yaml").read_text().count("\nkind: Deployment\n") == 1
    # A previous deploy with fewer replicas: the diff shows exactly that change.
    last = workspace_copy / ".avion/deploy/staging/last"
    last.mkdir(parents=True)
    text = (pending / "auth.yaml").read_text()
    (last / "auth.yaml").write_text(text.replace("minReplicas: 2", "minReplicas: 1"))
    deploy_cli.run_deploy("staging", service="auth", dry_run=True, environ={})
    second = capsys.readouterr().out
    assert "  changed   auth.yaml" in second
    assert "-  minReplicas: 1\n+  minReplicas: 2" in second
    assert not (workspace_copy / ".avion/deploy/staging/last/user.yaml").exists()


def test_a_failed_release_stops_the_deploy_and_records_nothing(
    tools: dict[str, Path], workspace_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No cluster here: helm upgrade is answered by a stand-in; helm template runs for real."""
    upgrades: list[str] = []

    def runner(
        argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Completed:
        if argv[1] != "upgrade":
            return run_command(argv, cwd=cwd, env=env)
        upgrades.append(argv[3])
        failed = len(upgrades) == 3
        return Completed(tuple(argv), 1 if failed else 0, "", "timed out waiting" if failed else "")

    with pytest.raises(deploy_cli.DeployFailed) as caught:
        deploy_cli.run_deploy("production", yes_production=True, runner=runner, environ={})
    assert upgrades == ["avion-cluster", "kube-prometheus-stack", "ingress-nginx"]
    assert caught.value.message.startswith(
        "helm upgrade ingress-nginx failed (rolled back by --atomic)"
    )
    assert [p.message for p in caught.value.problems] == [
        "applied before the failure: avion-cluster, kube-prometheus-stack"
    ]
    assert not (workspace_copy / ".avion/deploy/production/last").exists()


def test_production_needs_ci_or_confirmation_before_anything_runs(
    workspace_copy: Path,
) -> None:
    def runner(argv: Sequence[str], **_: object) -> Completed:
        raise AssertionError(f"ran {argv}")

    with pytest.raises(DeployRefused):
        deploy_cli.run_deploy("production", runner=runner, environ={"CI": "false"})
