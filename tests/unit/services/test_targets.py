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
def platform(fixture_config: Path) -> Platform:
    return load_platform(fixture_config)


def test_no_name_means_every_service_and_an_unknown_name_gets_a_suggestion(
    platform: Platform,
) -> None:
    assert [s.name for s in targets.select(platform, None)] == list(platform.services)
    assert [s.name for s in targets.select(platform, "beta")] == ["beta"]
    with pytest.raises(AvionError) as caught:
        targets.select(platform, "betta")
    assert caught.value.render() == (
        "error: unknown service 'betta'\n"
        "hint: did you mean 'beta'? services in config/platform.yaml: alpha, beta, gamma"
    )


def test_for_each_keeps_going_and_fails_once_naming_every_failure(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def action(service: Service) -> None:
        seen.append(service.name)
        if service.name in ("beta", "gamma"):
            raise AvionError(f"{service.name}: broken")

    with pytest.raises(targets.TargetFailed) as caught:
        targets.for_each(tuple(platform.services.values()), "test", action)
    assert seen == list(platform.services)
    count = len(platform.services)
    assert caught.value.message == f"test failed for 2 of {count} service(s): beta, gamma"
    out = capsys.readouterr()
    assert "── alpha: test" in out.out
    assert "error: beta: broken" in out.err


def test_commands_run_in_the_service_folder_with_the_services_python(
    platform: Platform, tmp_path: Path
) -> None:
    env = ServicesEnv(tmp_path / ".venv-services")
    alpha = platform.services["alpha"]
    (step,) = targets.pytest_steps(tmp_path, env, alpha, coverage=True, fail_under=85)
    assert step.cwd == tmp_path / "services/alpha"
    assert step.argv == (
        str(env.python),
        "-m",
        "pytest",
        "--cov=avion_alpha",
        "--cov-branch",
        "--cov-report=term-missing",
        "--cov-fail-under=85",
    )
    lint = targets.lint_steps(tmp_path, env, alpha, ruff=Path("/r/ruff"), hadolint=Path("/h"))
    assert [s.label for s in lint] == ["ruff check", "ruff format", "mypy", "hadolint"]
    assert lint[3].argv == ("/h", "Dockerfile")


def test_protoc_compiles_the_service_protos_only_when_there_are_some(
    platform: Platform, tmp_path: Path
) -> None:
    env = ServicesEnv(tmp_path / "env")
    alpha = platform.services["alpha"]
    assert targets.protoc_steps(tmp_path, env, alpha) == []
    proto = tmp_path / "services/alpha/proto/avion/alpha/v1/alpha.proto"
    proto.parent.mkdir(parents=True)
    proto.write_text('syntax = "proto3";\n')
    (step,) = targets.protoc_steps(tmp_path, env, alpha)
    assert step.argv[-1] == "avion/alpha/v1/alpha.proto"
    assert "--grpc_python_out=src" in step.argv


def test_clean_removes_build_outputs_and_caches_and_never_sources(
    platform: Platform, tmp_path: Path
) -> None:
    folder = tmp_path / "services/alpha"
    sources = [
        folder / "src/avion_alpha/api.py",
        folder / "tests/test_runtime_http.py",
        folder / "migrations/00001_init.sql",
        folder / "pyproject.toml",
    ]
    junk = [
        folder / ".pytest_cache/v/x",
        folder / "src/avion_alpha/__pycache__/api.cpython-311.pyc",
        folder / "src/avion_alpha.egg-info/PKG-INFO",
        folder / ".coverage",
        folder / "build/lib/x.py",
        tmp_path / "dist/services/alpha/avion_alpha-0.1.0-py3-none-any.whl",
    ]
    for path in [*sources, *junk]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    removed = targets.remove(targets.clean_paths(tmp_path, platform.services["alpha"]))
    assert removed == 6
    assert all(p.exists() for p in sources)
    assert not any(p.exists() for p in junk)
    assert targets.clean_paths(tmp_path, platform.services["alpha"]) == []


@pytest.mark.parametrize("linked", ["dist", "services/alpha"])
def test_clean_refuses_a_linked_folder_and_removes_nothing_outside(
    platform: Platform, tmp_path: Path, linked: str
) -> None:
    root = tmp_path / "ws"
    outside = tmp_path / "outside"
    victim = outside / ("services/alpha" if linked == "dist" else "build") / "p.txt"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious")
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(outside, target_is_directory=True)
    with pytest.raises(AvionError) as caught:
        targets.remove(targets.clean_paths(root, platform.services["alpha"]))
    assert "linked folder" in caught.value.render()
    assert caught.value.hint
    assert victim.read_text() == "precious"
