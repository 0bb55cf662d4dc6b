"""The service template's decisions (render/services.py) and what the generated files say."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from avion_service.spec import ServiceSpec
from hypothesis import given
from hypothesis import strategies as st

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
    python_literal,
    scaffold,
    service_files,
    service_spec,
    spec_module,
    team_files,
)

ROOT = Path(__file__).resolve().parents[3]
GENERATED = {"pyproject.toml", "Dockerfile", "Dockerfile.dockerignore", "spec.py", "__main__.py"}


@pytest.fixture(scope="module")
def platforms(fixture_config: Path) -> dict[str, Platform]:
    return load_platforms(fixture_config)


@pytest.fixture(scope="module")
def platform(platforms: dict[str, Platform]) -> Platform:
    return platforms["local"]


def rendered(platform: Platform, service: str, relative: str) -> str:
    s = platform.services[service]
    files = {f.path: f.content for f in service_files(platform, s)}
    return files[f"services/{service}/{relative}"].decode()


def spec_of(source: str) -> ServiceSpec:
    """The ServiceSpec a generated spec.py builds, read with ast (keyword literals only)."""
    call = next(
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SPEC"
    )
    assert isinstance(call, ast.Call)
    assert not call.args
    return ServiceSpec(**{k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg})


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


def test_a_service_is_generated_as_five_files_only(platform: Platform) -> None:
    for service in platform.services.values():
        names = {Path(f.path).name for f in service_files(platform, service)}
        assert names == GENERATED, service.name


def test_the_project_depends_on_the_kit_with_the_parts_it_uses(platform: Platform) -> None:
    def dependencies(name: str) -> list[str]:
        project = tomllib.loads(rendered(platform, name, "pyproject.toml"))["project"]
        deps: list[str] = project["dependencies"]
        return deps

    assert dependencies("alpha")[0] == "avion-service[database,redis]"
    assert dependencies("beta")[0] == "avion-service[database,redis,buckets,search]"
    assert dependencies("gamma")[0] == "avion-service"
    assert "avion-cqrs" in dependencies("alpha")


def test_spec_module_holds_the_configured_service(platform: Platform) -> None:
    for service in platform.services.values():
        source = rendered(platform, service.name, f"src/{service.package}/spec.py")
        assert spec_of(source) == service_spec(service)


def test_the_image_python_follows_the_platform_python(platform: Platform) -> None:
    assert PYTHON_IMAGE.startswith(f"python:{platform.python_version}.")
    with pytest.raises(AvionError, match=r"does not match platform\.python_version 3\.12"):
        scaffold(replace(platform, python_version="3.12"), platform.services["alpha"])


def test_dockerfile_is_multi_stage_non_root_with_healthcheck_and_no_engine(
    platform: Platform,
) -> None:
    text = rendered(platform, "alpha", "Dockerfile")
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, re.MULTILINE)
    assert stages == [(PYTHON_IMAGE, "build"), (PYTHON_IMAGE, "runtime")]
    runtime = text.split(" AS runtime", 1)[1]
    assert f"USER {RUN_AS_ID}:{RUN_AS_ID}" in runtime
    assert "EXPOSE 8080 9090" in runtime
    assert 'CMD ["python", "-m", "avion_alpha", "health"]' in runtime
    assert 'ENTRYPOINT ["python", "-m", "avion_alpha"]' in runtime
    assert "COPY services/alpha/migrations /app/migrations" in runtime
    assert "/app/migrations" not in rendered(platform, "gamma", "Dockerfile")
    for tool in ("apt-get", "gcc", "pip install"):
        assert tool not in runtime
    assert "pip uninstall --yes pip setuptools" in text.split(" AS runtime", 1)[0]
    assert "avion_workspace" not in text
    assert "./libs/service ./service" in text


def test_build_context_is_exactly_what_the_dockerfile_copies(platform: Platform) -> None:
    s = scaffold(platform, platform.services["alpha"])
    sources = [
        source
        for line in rendered(platform, "alpha", "Dockerfile").splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    context = s.context_paths
    assert set(context) <= set(sources)
    for source in sources:
        assert any(source == path or source.startswith(path + "/") for path in context), source
    ignore = rendered(platform, "alpha", "Dockerfile.dockerignore").splitlines()
    assert [line[1:] for line in ignore if line.startswith("!")] == list(context)


def test_team_files_are_not_planned_and_not_stamped(
    platform: Platform, platforms: dict[str, Platform]
) -> None:
    plan = build_plan(RenderContext(platforms))
    for service in platform.services.values():
        owned = team_files(platform, service)
        assert len(owned) == len(TEAM_FILES)
        for path, content in owned.items():
            assert path not in plan.files
            assert b"GENERATED" not in content
    assert not [p for p in plan.files if "/runtime/" in p and p.startswith("services/")]


def test_python_literals_are_in_the_layout_ruff_keeps() -> None:
    assert python_literal(()) == "()"
    assert python_literal(("a",)) == '("a",)'
    assert python_literal(("a", 'b"c')) == '("a", "b\\"c")'
    assert (
        python_literal(("a" * 60, "b" * 60), 4)
        == f'(\n        "{"a" * 60}",\n        "{"b" * 60}",\n    )'
    )
    assert python_literal(None) == "None"
    assert python_literal(True) == "True"
    with pytest.raises(TypeError):
        python_literal([1])


NASTY = [
    'say "hi"',
    "back\\slash",
    "two\nlines",
    "{{ template }} and ${{ github.token }}",
    "naïve café \u2013 ünïcode ✓",
    "emoji 😀 and \x00 \x1b \u2028",
    '"""triple""" \'single\'',
]


@pytest.mark.parametrize("text", NASTY)
def test_free_text_reaches_the_spec_and_the_project_intact(platform: Platform, text: str) -> None:
    service = replace(platform.services["beta"], description=text)
    files = {Path(f.path).name: f.content.decode() for f in service_files(platform, service)}
    assert spec_of(files["spec.py"]).description == text
    assert tomllib.loads(files["pyproject.toml"])["project"]["description"] == text


@given(st.text())
def test_any_text_round_trips_through_the_python_literal(text: str) -> None:
    assert ast.literal_eval(python_literal(text)) == text
    spec = ServiceSpec("x", "avion_x", description=text)
    assert spec_of(spec_module(spec)).description == text


def test_every_generated_file_parses_and_keeps_free_text_intact(
    platforms: dict[str, Platform],
) -> None:
    """The fixture's beta has quotes, a backslash, braces and non-ASCII in its description."""
    import yaml

    plan = build_plan(RenderContext(platforms))
    text = platforms["local"].services["beta"].description
    assert {'"', "\\", "{{", "—"} <= {c for c in ('"', "\\", "{{", "—") if c in text}
    found = []
    for path, generated in plan.files.items():
        body = generated.content.decode()
        if path.endswith(".py"):
            ast.parse(body)
        elif path.endswith(".toml"):
            tomllib.loads(body)
        elif path.endswith((".yaml", ".yml")) and "/templates/" not in path:
            yaml.safe_load(body)
        if path.startswith("services/beta/") or path.startswith("charts/beta/Chart.yaml"):
            found.append(path)
    assert (
        spec_of(plan.files["services/beta/src/avion_beta/spec.py"].content.decode()).description
        == text
    )
    project = tomllib.loads(plan.files["services/beta/pyproject.toml"].content.decode())
    assert project["project"]["description"] == text
    chart = yaml.safe_load(plan.files["charts/beta/Chart.yaml"].content)
    assert chart["description"] == text
    assert "charts/beta/Chart.yaml" in found


def test_generated_lines_per_service_stay_within_150(platforms: dict[str, Platform]) -> None:
    """What the engine writes per service (the manifest's files under services/<name>/)."""
    plan = build_plan(RenderContext(platforms))
    lines: dict[str, int] = {}
    for path, generated in plan.files.items():
        if path.startswith("services/"):
            name = path.split("/")[1]
            lines[name] = lines.get(name, 0) + generated.content.decode().count("\n")
    print(f"generated lines per service: {lines}")
    assert set(lines) == {"alpha", "beta", "gamma"}
    assert max(lines.values()) <= 150
