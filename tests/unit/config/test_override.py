"""This machine's override (config/local.override.yaml): the local stack moves, rendering does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platform, load_platforms
from avion_workspace.config.override import ENV_VAR, OVERRIDE_FILE, host_port_remap
from avion_workspace.errors import ConfigError
from avion_workspace.render import plan_for
from tests.support import copy_fixture_config

OVERRIDE = """\
postgres:
  local_port: 55432
object_storage:
  local_console_port: 19001
services:
  alpha:
    local_ports: {http: 18201}
"""


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture config (the override is an engine rule, not a live fact)."""
    return copy_fixture_config(tmp_path / "config")


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_the_local_environment_includes_the_override(config_copy: Path) -> None:
    (config_copy / OVERRIDE_FILE).write_text(OVERRIDE)
    local = load_platform(config_copy, "local")
    assert local.postgres.local_port == 55432
    assert local.object_storage.local_console_port == 19001
    assert local.services["alpha"].local_http_port == 18201
    assert local.services["alpha"].local_grpc_port == 9201  # merged, not replaced


def test_rendering_never_sees_the_override(config_copy: Path) -> None:
    before = dict(plan_for(config_copy).files)
    (config_copy / OVERRIDE_FILE).write_text(OVERRIDE)
    after = dict(plan_for(config_copy).files)
    assert after == before
    assert load_platforms(config_copy)["local"].postgres.local_port == 5432
    assert load_platform(config_copy, "staging").postgres.local_port == 5432


def test_only_local_settings_can_be_overridden(config_copy: Path) -> None:
    (config_copy / OVERRIDE_FILE).write_text('postgres:\n  version: "16"\n  local_port: 55432\n')
    with pytest.raises(ConfigError) as caught:
        load_platform(config_copy, "local")
    (problem,) = caught.value.problems
    assert problem.render().startswith(f"{config_copy / OVERRIDE_FILE}:2:3: $.postgres.version:")
    assert "only local_* settings" in problem.message


def test_an_override_value_is_validated_and_located(config_copy: Path) -> None:
    (config_copy / OVERRIDE_FILE).write_text("redis:\n  local_port: 5432\n")
    with pytest.raises(ConfigError) as caught:
        load_platform(config_copy, "local")
    rendered = [p.render() for p in caught.value.problems]
    assert any(
        r.startswith(f"{config_copy / OVERRIDE_FILE}:2:15: $.redis.local_port: port 5432")
        for r in rendered
    ), rendered


def test_the_environment_variable_names_another_file(
    config_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "mine.yaml"
    other.write_text("search:\n  local_port: 17700\n")
    monkeypatch.setenv(ENV_VAR, str(other))
    assert load_platform(config_copy, "local").search.local_port == 17700
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="names no file"):
        load_platform(config_copy, "local")


def test_the_docker_backend_moves_the_published_ports(config_copy: Path) -> None:
    assert host_port_remap(config_copy) == {}
    (config_copy / OVERRIDE_FILE).write_text(OVERRIDE)
    assert host_port_remap(config_copy) == {5432: 55432, 9001: 19001, 8201: 18201}


def test_an_invalid_override_does_not_stop_rendering(config_copy: Path, tmp_path: Path) -> None:
    from avion_workspace.render.cli import _require_team_files
    from avion_workspace.render.services import team_files

    root = tmp_path / "ws"
    platform = load_platforms(config_copy)["local"]
    for service in platform.services.values():
        for relative, content in team_files(platform, service).items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
    (config_copy / OVERRIDE_FILE).write_text("postgres:\n  local_port: nope\n")
    plan_for(config_copy)  # raises nothing: rendering reads the committed config only
    _require_team_files(root, config_copy)  # nor does its team-files check


@pytest.mark.parametrize("text", ["", "# nothing to override yet\n"])
def test_an_empty_override_overrides_nothing(config_copy: Path, text: str) -> None:
    (config_copy / OVERRIDE_FILE).write_text(text)
    assert load_platform(config_copy, "local").postgres.local_port == 5432


@pytest.mark.parametrize("kind", ["folder", "fifo", "loop", "dangling"])
def test_an_override_that_is_no_regular_file_is_a_located_error(
    config_copy: Path, kind: str
) -> None:
    import os

    path = config_copy / OVERRIDE_FILE
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "loop":
        path.symlink_to(OVERRIDE_FILE)
    else:
        path.symlink_to("nowhere.yaml")
    with pytest.raises(ConfigError) as info:
        load_platform(config_copy, "local")
    text = info.value.render()
    assert f"{config_copy / OVERRIDE_FILE}: this machine's override cannot be read" in text
    assert "or remove it" in text


def test_a_port_clash_the_override_makes_is_located_in_the_override(config_copy: Path) -> None:
    (config_copy / OVERRIDE_FILE).write_text("postgres:\n  local_port: 8201\n")
    with pytest.raises(ConfigError) as info:
        load_platform(config_copy, "local")
    [problem] = info.value.problems
    assert problem.render().startswith(
        f"{config_copy / OVERRIDE_FILE}:2:15: $.postgres.local_port: port 8201 of postgres is "
        "already claimed by service alpha (http)"
    ), problem.render()


def test_an_override_for_an_unknown_service_says_so(config_copy: Path) -> None:
    (config_copy / OVERRIDE_FILE).write_text(
        "services:\n  nosuch:\n    local_ports: {http: 18999}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_platform(config_copy, "local")
    [problem] = info.value.problems
    text = problem.render()
    assert text.startswith(f"{config_copy / OVERRIDE_FILE}:2:3: $.services.nosuch: unknown service")
    assert "missing required key" not in text
