"""The service template's decisions (render/services.py) and what the rendered files say."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.render.plan import RenderContext, build_plan
from avion_workspace.render.services import (
    LIBRARIES,
    PYTHON_IMAGE,
    RUN_AS_ID,
    TEAM_FILES,
    library_closure,
    python_tuple,
    scaffold,
    service_files,
    settings_vars,
    team_files,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform() -> Platform:
    return load_platforms(ROOT / "config")["local"]


def rendered(platform: Platform, service: str, relative: str) -> str:
    s = platform.services[service]
    files = {f.path: f.content for f in service_files(platform, s)}
    return files[f"services/{service}/{relative}"].decode()


def test_library_table_matches_each_librarys_own_dependencies() -> None:
    for name, (distribution, depends) in LIBRARIES.items():
        project = tomllib.loads((ROOT / "libs" / name / "pyproject.toml").read_text())["project"]
        assert project["name"] == distribution
        own = {d for d in project["dependencies"] if d.startswith("avion-")}
        assert own == {LIBRARIES[dep][0] for dep in depends}, name


def test_library_closure_puts_dependencies_first() -> None:
    closure = library_closure(["grpc"])
    assert set(closure) == {"grpc", "errors", "logging", "config"}
    assert closure.index("config") < closure.index("logging") < closure.index("grpc")
    with pytest.raises(AvionError, match="unknown library 'orm'"):
        library_closure(["orm"])


def test_requirements_follow_what_the_service_uses(platform: Platform) -> None:
    def reqs(name: str) -> set[str]:
        return {
            r.split(">")[0].split("[")[0]
            for r in scaffold(platform, platform.services[name]).requirements
        }

    assert {"psycopg", "psycopg-pool", "redis", "uvicorn", "grpcio"} <= reqs("auth")
    assert "botocore" not in reqs("auth")
    assert "httpx" not in reqs("auth")
    assert "botocore" in reqs("media")
    assert "httpx" in reqs("search")


def test_a_service_must_list_the_libraries_the_runtime_imports(platform: Platform) -> None:
    lean = replace(platform.services["auth"], libraries=("errors", "config"))
    with pytest.raises(AvionError) as caught:
        scaffold(platform, lean)
    assert caught.value.message == (
        "service 'auth' does not list the libraries logging, telemetry, grpc, "
        "which the service template's runtime needs"
    )


def test_the_image_python_follows_the_platform_python(platform: Platform) -> None:
    assert PYTHON_IMAGE.startswith(f"python:{platform.python_version}.")
    with pytest.raises(AvionError, match=r"does not match platform\.python_version 3\.12"):
        scaffold(replace(platform, python_version="3.12"), platform.services["auth"])


def test_required_settings_are_the_connection_details_and_secrets(platform: Platform) -> None:
    required = [v.name for v in settings_vars(platform.services["media"]) if v.required]
    assert required == [
        "MEDIA_DATABASE_HOST",
        "MEDIA_DATABASE_PASSWORD",
        "MEDIA_REDIS_HOST",
        "MEDIA_REDIS_PASSWORD",
        "MEDIA_S3_ACCESS_KEY",
        "MEDIA_S3_SECRET_KEY",
    ]
    secrets = [v.name for v in settings_vars(platform.services["search"]) if v.secret]
    assert secrets == ["SEARCH_DATABASE_PASSWORD", "SEARCH_REDIS_PASSWORD", "SEARCH_SEARCH_API_KEY"]


def _declared_settings(source: str) -> list[str]:
    """Every ``setting(ENV_PREFIX + "X")`` in a rendered settings module, as full names."""
    tree = ast.parse(source)
    prefix = next(
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "ENV_PREFIX"
        and isinstance(node.value, ast.Constant)
    )
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setting":
            arg = node.args[0]
            assert isinstance(arg, ast.BinOp)
            assert isinstance(arg.right, ast.Constant)
            names.append(prefix + arg.right.value)
    return names


@pytest.mark.parametrize("service", ["auth", "media", "search", "system-admin"])
def test_rendered_settings_declare_exactly_the_modelled_variables(
    platform: Platform, service: str
) -> None:
    declared = _declared_settings(
        rendered(platform, service, f"src/{platform.services[service].package}/runtime/settings.py")
    )
    modelled = [v.name for v in settings_vars(platform.services[service])]
    # ProbeSettings repeats HOST and HTTP_PORT for the health subcommand.
    assert sorted(set(declared)) == sorted(modelled)


def test_dockerfile_is_multi_stage_non_root_with_healthcheck(platform: Platform) -> None:
    text = rendered(platform, "system-admin", "Dockerfile")
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, re.MULTILINE)
    assert stages == [(PYTHON_IMAGE, "build"), (PYTHON_IMAGE, "runtime")]
    runtime = text.split(" AS runtime", 1)[1]
    assert f"USER {RUN_AS_ID}:{RUN_AS_ID}" in runtime
    assert "EXPOSE 8080 9090" in runtime
    assert 'CMD ["python", "-m", "avion_system_admin", "health"]' in runtime
    assert 'ENTRYPOINT ["python", "-m", "avion_system_admin"]' in runtime
    assert "SYSTEM_ADMIN_MIGRATIONS_DIR=/app/migrations" in runtime
    assert "COPY services/system-admin/migrations /app/migrations" in runtime
    for tool in ("apt-get", "gcc", "pip install"):
        assert tool not in runtime
    assert "pip uninstall --yes pip setuptools" in text.split(" AS runtime", 1)[0]


def test_build_context_is_exactly_what_the_dockerfile_copies(platform: Platform) -> None:
    s = scaffold(platform, platform.services["auth"])
    sources = [
        source
        for line in rendered(platform, "auth", "Dockerfile").splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    context = s.context_paths
    assert set(context) <= set(sources)
    for source in sources:
        assert any(source == path or source.startswith(path + "/") for path in context), source
    ignore = rendered(platform, "auth", "Dockerfile.dockerignore").splitlines()
    assert [line[1:] for line in ignore if line.startswith("!")] == list(context)


def test_team_files_are_not_planned_and_not_stamped(platform: Platform) -> None:
    plan = build_plan(RenderContext(load_platforms(ROOT / "config")))
    for service in platform.services.values():
        owned = team_files(platform, service)
        assert len(owned) == len(TEAM_FILES)
        for path, content in owned.items():
            assert path not in plan.files
            assert b"GENERATED" not in content
    assert "services/auth/src/avion_auth/runtime/server.py" in plan.files


def test_python_literals_are_in_the_layout_ruff_keeps() -> None:
    assert python_tuple([]) == "()"
    assert python_tuple(["a"]) == '("a",)'
    assert python_tuple(["a", 'b"c']) == '(\n    "a",\n    "b\\"c",\n)'
    assert ast.literal_eval(python_tuple(["a", 'b"c'])) == ("a", 'b"c')
