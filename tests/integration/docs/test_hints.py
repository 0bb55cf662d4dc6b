"""Every error hint that names a command moves the user forward: the error is produced in a
fixture workspace, the hinted command is run as written, and then what failed succeeds.

``test_every_hinted_task_is_exercised_or_exempt`` keeps the list honest: a hint in src/ naming
an ``inv`` task that no case here runs must be listed in EXEMPT with the reason.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.integration.conftest import Database
from tests.integration.docs.workspace_copy import copy_workspace, run
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.integration

# Tasks named by a hint that these tests do not run, and why (where they are exercised instead).
EXEMPT = {
    "setup": "starts the local stack on the configured ports; tests/integration/infra runs it on free ports",
    "infra.logs": "needs a running stack; its argument forms are parsed in tests/unit/tasks",
    "infra.down": "needs a running stack of the other backend; tests/integration/infra",
    "doctor": "reports this machine's prerequisites; tests/unit/infra/test_doctor.py",
    "charts.install-tools": "installs checkov (hundreds of MB); CI's security stage installs it",
    "charts.lint": "runs helm, kubernetes-validate and checkov over every chart; tests/integration/charts",
    "migrate.fix": "renumbers after a merge; tests/unit/migrate/test_create_fix.py",
    "proto.gen": "regenerates the committed stubs; tests/unit/proto/test_proto_gen.py runs it and --check",
    "ci.kubeconfig": "needs the cloud's credentials (OIDC in CI); tests/unit/ci/test_ci_kubeconfig.py",
}
HINTED_TASK = re.compile(r"`?inv ([a-z][a-z0-9.-]*)")


def _hinted_tasks() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"hint=(f?\"[^\"]*\"|f?'[^']*'|\([^)]*\))", text):
            for task in HINTED_TASK.findall(match.group(1)):
                found.setdefault(task, []).append(path.relative_to(ROOT).as_posix())
    return found


EXERCISED = {
    "render",
    "service.new",
    "security.install",
    "migrate.create",
    "migrate.up",
    "tools.install",
}


def test_every_hinted_task_is_exercised_or_exempt() -> None:
    from avion_workspace.tasks import build_namespace

    tasks = set(build_namespace().task_names)
    found = _hinted_tasks()
    missing = {t: f for t, f in found.items() if "." in t and t not in tasks}
    assert not missing, f"hints name tasks that do not exist: {missing}"
    hinted = {t: f for t, f in found.items() if t in tasks}
    assert hinted, "no hint naming an inv task found: did the hint syntax change?"
    unknown = {t: files for t, files in hinted.items() if t not in EXERCISED | set(EXEMPT)}
    assert not unknown, (
        f"hints name tasks no test runs: {unknown}; add a case to {Path(__file__).name} "
        "(produce the error, run the hinted command, show it helped) or an EXEMPT reason"
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_workspace(tmp_path / "ws")


def _fails_with_hint(workspace: Path, command: str, hint: str) -> None:
    result = run(workspace, command)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert hint in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def _succeeds(workspace: Path, command: str) -> str:
    result = run(workspace, command)
    assert result.returncode == 0, (
        f"`{command}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def test_a_stale_generated_file_then_inv_render(workspace: Path) -> None:
    (workspace / "docker-compose.yml").unlink()
    _fails_with_hint(workspace, "inv render --check", "run `inv render`")
    _succeeds(workspace, "inv render")
    _succeeds(workspace, "inv render --check")


def test_a_hand_edited_generated_file_then_inv_render_force(workspace: Path) -> None:
    compose = workspace / "docker-compose.yml"
    compose.write_text(compose.read_text() + "# edited by hand\n")
    _fails_with_hint(workspace, "inv render --check", "add --force to discard hand edits")
    _succeeds(workspace, "inv render --force")
    _succeeds(workspace, "inv render --check")


def test_a_service_in_config_without_its_team_files_then_inv_service_new(workspace: Path) -> None:
    package = workspace / "services" / "auth" / "src" / "avion_auth"
    for relative in ("__init__.py", "api.py", "domain/__init__.py", "application/__init__.py"):
        (package / relative).unlink()
    (workspace / "services" / "auth" / "README.md").unlink()
    _fails_with_hint(workspace, "inv config.validate", "run `inv service.new auth`")
    _fails_with_hint(workspace, "inv render --check", "run `inv service.new auth`")
    out = _succeeds(workspace, "inv service.new auth")
    assert "completed service auth" in out
    assert (package / "api.py").is_file()
    _succeeds(workspace, "inv config.validate")
    _succeeds(workspace, "inv render --check")
    status = run(workspace, "git status --porcelain config").stdout
    assert status == "", status  # the config was not touched


def test_a_migration_name_without_letters_then_the_example(workspace: Path) -> None:
    _fails_with_hint(
        workspace,
        "inv migrate.create '!!!' --service auth",
        "e.g. inv migrate.create add_user_index --service auth",
    )
    _succeeds(workspace, "inv migrate.create add_user_index --service auth")
    created = list((workspace / "services" / "auth" / "migrations").glob("*_add_user_index.sql"))
    assert len(created) == 1


def test_a_missing_scanner_then_inv_security_install(tmp_path: Path) -> None:
    workspace = copy_workspace(tmp_path / "ws", share_tools=False)
    _fails_with_hint(workspace, "inv security.secrets", "run `inv security.install secrets`")
    _succeeds(workspace, "inv security.install secrets")
    _succeeds(workspace, "inv security.secrets")


def test_a_missing_tool_then_inv_tools_install(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        unavailable("go is not installed: `inv tools.install` builds actionlint with it")
    workspace = copy_workspace(tmp_path / "ws", share_tools=False)
    _fails_with_hint(workspace, "inv ci.check-workflows", "run `inv tools.install actionlint`")
    _succeeds(workspace, "inv tools.install actionlint")
    _succeeds(workspace, "inv ci.check-workflows")


def test_migrate_without_a_selection_then_the_example_against_a_real_database(
    workspace: Path, fresh_database: Database
) -> None:
    _fails_with_hint(
        workspace,
        "inv migrate.up",
        "e.g. inv migrate.up --service auth, or --dir services/auth/migrations --dsn URL",
    )
    dsn = shlex.quote(fresh_database.dsn)
    _succeeds(workspace, f"inv migrate.up --dir services/auth/migrations --dsn {dsn}")
    status = _succeeds(workspace, f"inv migrate.status --dir services/auth/migrations --dsn {dsn}")
    assert "00001_create_users.sql" in status
    latest = len(list((workspace / "services" / "auth" / "migrations").glob("*.sql")))
    assert f": version {latest}" in status.splitlines()[0], status
    assert "pending" not in status.lower(), status
