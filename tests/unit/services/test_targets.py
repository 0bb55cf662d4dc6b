"""Per-service targets: which services, which commands, what clean removes, how failures add up."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.services import targets
from avion_workspace.services.pyenv import ServicesEnv

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform() -> Platform:
    return load_platform(ROOT / "config")


def test_no_name_means_every_service_and_an_unknown_name_gets_a_suggestion(
    platform: Platform,
) -> None:
    assert [s.name for s in targets.select(platform, None)] == list(platform.services)
    assert [s.name for s in targets.select(platform, "media")] == ["media"]
    with pytest.raises(AvionError) as caught:
        targets.select(platform, "medai")
    assert caught.value.render() == (
        "error: unknown service 'medai'\n"
        "hint: did you mean 'media'? services in config/platform.yaml: auth, user, drop, "
        "timeline, notification, media, search, moderation, community, system-admin"
    )


def test_for_each_keeps_going_and_fails_once_naming_every_failure(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def action(service: Service) -> None:
        seen.append(service.name)
        if service.name in ("user", "media"):
            raise AvionError(f"{service.name}: broken")

    with pytest.raises(targets.TargetFailed) as caught:
        targets.for_each(tuple(platform.services.values()), "test", action)
    assert seen == list(platform.services)
    assert caught.value.message == "test failed for 2 of 10 service(s): user, media"
    out = capsys.readouterr()
    assert "── auth: test" in out.out
    assert "error: user: broken" in out.err


def test_commands_run_in_the_service_folder_with_the_services_python(
    platform: Platform, tmp_path: Path
) -> None:
    env = ServicesEnv(tmp_path / ".venv-services")
    auth = platform.services["auth"]
    (step,) = targets.pytest_steps(tmp_path, env, auth, coverage=True, fail_under=85)
    assert step.cwd == tmp_path / "services/auth"
    assert step.argv == (
        str(env.python),
        "-m",
        "pytest",
        "--cov=avion_auth",
        "--cov-branch",
        "--cov-report=term-missing",
        "--cov-fail-under=85",
    )
    lint = targets.lint_steps(tmp_path, env, auth, ruff=Path("/r/ruff"), hadolint=Path("/h"))
    assert [s.label for s in lint] == ["ruff check", "ruff format", "mypy", "hadolint"]
    assert lint[3].argv == ("/h", "Dockerfile")


def test_protoc_compiles_the_service_protos_only_when_there_are_some(
    platform: Platform, tmp_path: Path
) -> None:
    env = ServicesEnv(tmp_path / "env")
    auth = platform.services["auth"]
    assert targets.protoc_steps(tmp_path, env, auth) == []
    proto = tmp_path / "services/auth/proto/avion/auth/v1/auth.proto"
    proto.parent.mkdir(parents=True)
    proto.write_text('syntax = "proto3";\n')
    (step,) = targets.protoc_steps(tmp_path, env, auth)
    assert step.argv[-1] == "avion/auth/v1/auth.proto"
    assert "--grpc_python_out=src" in step.argv


def test_clean_removes_build_outputs_and_caches_and_never_sources(
    platform: Platform, tmp_path: Path
) -> None:
    folder = tmp_path / "services/auth"
    sources = [
        folder / "src/avion_auth/api.py",
        folder / "tests/test_runtime_http.py",
        folder / "migrations/00001_init.sql",
        folder / "pyproject.toml",
    ]
    junk = [
        folder / ".pytest_cache/v/x",
        folder / "src/avion_auth/__pycache__/api.cpython-311.pyc",
        folder / "src/avion_auth.egg-info/PKG-INFO",
        folder / ".coverage",
        folder / "build/lib/x.py",
        tmp_path / "dist/services/auth/avion_auth-0.1.0-py3-none-any.whl",
    ]
    for path in [*sources, *junk]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    removed = targets.remove(targets.clean_paths(tmp_path, platform.services["auth"]))
    assert removed == 6
    assert all(p.exists() for p in sources)
    assert not any(p.exists() for p in junk)
    assert targets.clean_paths(tmp_path, platform.services["auth"]) == []


@pytest.mark.parametrize("linked", ["dist", "services/auth"])
def test_clean_refuses_a_linked_folder_and_removes_nothing_outside(
    platform: Platform, tmp_path: Path, linked: str
) -> None:
    root = tmp_path / "ws"
    outside = tmp_path / "outside"
    victim = outside / ("services/auth" if linked == "dist" else "build") / "p.txt"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious")
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(outside, target_is_directory=True)
    with pytest.raises(AvionError) as caught:
        targets.remove(targets.clean_paths(root, platform.services["auth"]))
    assert "linked folder" in caught.value.render()
    assert caught.value.hint
    assert victim.read_text() == "precious"
