"""The tasks as a user runs them: exit codes, located messages, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import copy_rendered_workspace, run_inv

ROOT = Path(__file__).resolve().parents[3]


def inv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_inv(*args, cwd=cwd)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the workspace's config, tasks and generated files."""
    return copy_rendered_workspace(tmp_path / "ws")


def test_validate_good_config_prints_one_line() -> None:
    result = inv("config.validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config OK: 10 services, 10 databases, 4 buckets")
    assert len(result.stdout.splitlines()) == 1


BAD_INPUTS = {
    "duplicate key": (
        "  local_port: 7700\n",
        "  local_port: 7700\n  local_port: 7701\n",
        "duplicate key 'local_port'",
    ),
    "unknown key": (
        "    database: avion_auth_db\n",
        "    database: avion_auth_db\n    colour: red\n",
        "unknown key 'colour'",
    ),
    "syntax error": ("  local_port: 7700\n", "  local_port: [7700\n", "YAML syntax error"),
    "wrong type": (
        "  local_port: 7700\n",
        "  local_port: high\n",
        "'high' is not of type 'integer'",
    ),
    "bad name": ("  moderation:\n", "  Moderation:\n", '"Moderation" is not a valid name here'),
    "duplicate entry": (
        "    redis: [cache, session]\n",
        "    redis: [cache, session, session]\n",
        "is listed twice",
    ),
    "dangling reference": (
        "    buckets: [avion-backups, avion-logs]\n",
        "    buckets: [avion-backups, avion-log]\n",
        "bucket 'avion-log' is not declared",
    ),
    "port collision": (
        "  local_port: 7700\n",
        "  local_port: 6379\n",
        "port 6379 of search is already claimed by redis",
    ),
    "custom tag": (
        "  local_port: 7700\n",
        "  local_port: !!python/object:os.system 7700\n",
        "is not allowed",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_is_located_and_exits_1(workspace: Path, kind: str) -> None:
    old, new, expected = BAD_INPUTS[kind]
    platform = workspace / "config" / "platform.yaml"
    text = platform.read_text()
    assert text.count(old) == 1
    platform.write_text(text.replace(old, new))
    result = inv("config.validate", cwd=workspace)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("config/platform.yaml:"), first
    _, line, column, *_ = first.split(":")
    assert line.isdigit()
    assert column.isdigit()
    assert expected in result.stderr
    assert "error: invalid configuration" in result.stderr


def test_alias_bomb_and_empty_file_exit_1(workspace: Path) -> None:
    overlay = workspace / "config" / "environments" / "staging.yaml"
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    overlay.write_text("\n".join(lines) + "\n")
    result = inv("config.validate", cwd=workspace)
    assert result.returncode == 1
    assert "config/environments/staging.yaml:" in result.stderr
    assert "alias" in result.stderr
    overlay.write_text("")
    result = inv("config.validate", cwd=workspace)
    assert result.returncode == 1
    assert "config/environments/staging.yaml:1:1: $: the file is empty" in result.stderr


def test_validate_takes_another_config_dir(workspace: Path) -> None:
    (workspace / "config" / "platform.yaml").write_text("")
    result = inv("config.validate", "--config-dir", str(workspace / "config"))
    assert result.returncode == 1
    assert "the file is empty" in result.stderr


def test_show_prints_the_effective_config(workspace: Path) -> None:
    import json

    result = inv("config.show", "--env", "production", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["service_defaults"]["replicas"] == 3
    result = inv("config.show", "--env", "nope", cwd=workspace)
    assert result.returncode == 1
    assert "unknown environment 'nope'" in result.stderr


def test_render_check_passes_then_catches_config_change_and_hand_edit(workspace: Path) -> None:
    assert inv("render", "--check", cwd=workspace).returncode == 0
    first = inv("render", cwd=workspace)
    assert "nothing to do" in first.stdout

    platform = workspace / "config" / "platform.yaml"
    platform.write_text(platform.read_text().replace("local_port: 7700", "local_port: 7711"))
    stale = inv("render", "--check", cwd=workspace)
    assert stale.returncode == 1
    assert "docker-compose.yml: stale" in stale.stderr
    assert '-      - "127.0.0.1:7700:7700"' in stale.stderr
    assert '+      - "127.0.0.1:7711:7700"' in stale.stderr
    assert inv("render", cwd=workspace).returncode == 0
    assert inv("render", "--check", cwd=workspace).returncode == 0

    compose = workspace / "docker-compose.yml"
    compose.write_text(compose.read_text() + "# my tweak\n")
    edited = inv("render", "--check", cwd=workspace)
    assert edited.returncode == 1
    assert "docker-compose.yml: edited by hand" in edited.stderr
    refused = inv("render", cwd=workspace)
    assert refused.returncode == 1
    assert "docker-compose.yml: edited by hand" in refused.stderr
    assert compose.read_text().endswith("# my tweak\n")
    forced = inv("render", "--force", cwd=workspace)
    assert forced.returncode == 0
    assert not compose.read_text().endswith("# my tweak\n")


def test_render_twice_is_byte_identical(workspace: Path) -> None:
    before = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    result = inv("render", cwd=workspace)
    assert result.returncode == 0
    after = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
    assert after == before
    assert {p: p.stat().st_mtime_ns for p in after} == mtimes


def test_listing_tasks_imports_no_engine() -> None:
    code = (
        "import sys;"
        "from invoke import Program; from invoke.loader import FilesystemLoader;"
        "import importlib.util;"
        "spec=importlib.util.spec_from_file_location('tasks', 'tasks.py'); m=importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        "heavy=[x for x in ('jinja2','jsonschema','psycopg','rich','docker','avion_workspace.config') if x in sys.modules];"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
