"""The services' environment: what it holds, and when it must be re-synced."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.services.pyenv import ServicesEnv, install_commands, members, stamp


def _tree(root: Path) -> None:
    for path in ("pyproject.toml", "libs/config/pyproject.toml", "services/auth/pyproject.toml"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(f"# {path}\n")


def test_members_are_the_libraries_and_the_rendered_services(tmp_path: Path) -> None:
    _tree(tmp_path)
    got = members(tmp_path, ["auth", "user"])  # user is configured but not rendered yet
    assert [m.requirement for m in got] == ["libs/config", "services/auth[dev]"]


def test_the_stamp_changes_when_a_pyproject_changes(tmp_path: Path) -> None:
    _tree(tmp_path)
    installed = members(tmp_path, ["auth"])
    first = stamp(tmp_path, installed)
    assert stamp(tmp_path, installed) == first
    (tmp_path / "services/auth/pyproject.toml").write_text("# changed\n")
    assert stamp(tmp_path, installed) != first


def test_a_missing_environment_is_created_then_filled(tmp_path: Path) -> None:
    _tree(tmp_path)
    env = ServicesEnv(tmp_path / ".venv-services")
    commands = install_commands(Path("/bin/uv"), env, members(tmp_path, ["auth"]))
    assert [c[:3] for c in commands] == [
        ["/bin/uv", "venv", "--quiet"],
        ["/bin/uv", "pip", "install"],
    ]
    assert commands[1][-4:] == ["--editable", "libs/config", "--editable", "services/auth[dev]"]
    assert "." not in commands[1]  # no engine code in the services' environment
