"""``inv ci.affected`` against a real git history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from avion_workspace.ci.affected import changed_paths
from avion_workspace.ci.cli import run_affected
from avion_workspace.errors import AvionError
from tests.support import ROOT

pytestmark = pytest.mark.integration


def _git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.test",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.test",
    }
    result = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return result.stdout.strip()


def _commit(root: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with the real config on branch main, and a feature branch checked out."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    _git(tmp_path, "init", "-q", "-b", "main")
    _commit(tmp_path, {"docs/index.md": "# docs\n"}, "base")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_changes_since_the_merge_base_only(workspace: Path) -> None:
    _commit(
        workspace, {"services/auth/app.py": "x = 1\n", "docs/auth.md": "auth\n"}, "feature work"
    )
    _git(workspace, "checkout", "-q", "main")
    _commit(workspace, {"config/late.yaml": "a: 1\n"}, "main moved on")  # not the branch's change
    _git(workspace, "checkout", "-q", "feature")
    assert changed_paths(workspace, "main") == ["docs/auth.md", "services/auth/app.py"]


def test_an_unknown_base_says_how_to_fetch_history(workspace: Path) -> None:
    with pytest.raises(AvionError) as caught:
        changed_paths(workspace, "deadbeef" * 5)
    assert caught.value.message.startswith(f"git diff {'deadbeef' * 5}...HEAD failed:")
    assert caught.value.hint is not None
    assert "fetch-depth: 0" in caught.value.hint


def test_github_output_feeds_the_matrix(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _commit(
        workspace,
        {"services/media/app.py": "x = 1\n", "charts/user/values.yaml": "a: 1\n"},
        "two services",
    )
    output = workspace / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    run_affected("main", as_json=True, github_output=True, config_dir=None)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == 'services=["user","media"]'
    assert lines[1].startswith('all=["auth","user","drop",')
    assert lines[2] == "any=true"
    document = json.loads(capsys.readouterr().out)
    assert document["reasons"] == {
        "user": ["charts/user/values.yaml"],
        "media": ["services/media/app.py"],
    }


def test_docs_only_changes_build_nothing(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _commit(workspace, {"docs/more.md": "more\n"}, "docs")
    output = workspace / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    run_affected("main", as_json=False, github_output=True, config_dir=None)
    assert output.read_text(encoding="utf-8").splitlines()[::2] == ["services=[]", "any=false"]
    assert capsys.readouterr().out == "no service affected by the 1 file(s) changed since main\n"


def test_a_new_branch_push_affects_every_service(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_affected("0" * 40, as_json=False, github_output=False, config_dir=None)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("10 of 10 services affected: auth, user, drop,")
    assert out[1] == f"  every service: no base commit ({'0' * 40})"


def test_github_output_outside_actions_is_a_clear_error(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with pytest.raises(AvionError, match="--github-output needs the GITHUB_OUTPUT file"):
        run_affected("main", as_json=False, github_output=True, config_dir=None)


def test_a_base_missing_from_history_affects_every_service(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = "deadbeef" * 5  # e.g. the commit before a force push
    run_affected(missing, as_json=False, github_output=False, config_dir=None)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("10 of 10 services affected")
    assert out[1] == f"  every service: {missing} is not in this clone's history"
