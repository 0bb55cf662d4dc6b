"""Properties at the trust boundaries: arbitrary bytes and structures fed to the loader, the
validator, the overlay merge and the render manifest never crash (never exit 3, never a
traceback: only a located error, exit 1) and never touch a path outside a temporary workspace.

Every example runs through the task boundary (:func:`avion_workspace.boundary.guarded`), which
is what turns an error into an exit code for a user.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from avion_workspace.boundary import EXIT_USER_ERROR, BoundaryExit, guarded
from avion_workspace.config.loader import Document, load_file, load_text
from avion_workspace.config.merge import merge_documents
from avion_workspace.config.validate import load_config
from avion_workspace.render.plan import GeneratedFile, RenderPlan
from avion_workspace.render.writer import MANIFEST, apply_plan, check_plan
from tests.support import FIXTURE_CONFIG

ROOT = Path(__file__).resolve().parents[2]
# The engine tests' small config (tests/fixtures/config), not the live config/.
BASE = yaml.safe_load((FIXTURE_CONFIG / "platform.yaml").read_text())
BASE_STAGING = yaml.safe_load((FIXTURE_CONFIG / "environments" / "staging.yaml").read_text())


def outcome(action: Callable[[], object]) -> tuple[int, str]:
    """(exit code, stderr) of ``action`` at the task boundary; 0 when it returned."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            guarded(action)
        except BoundaryExit as exc:
            return int(exc.code or 0), err.getvalue()
    return 0, err.getvalue()


def assert_clean(code: int, text: str) -> None:
    assert code in (0, EXIT_USER_ERROR), text
    assert "Traceback" not in text
    assert "unexpected error" not in text


# --- arbitrary text and bytes -------------------------------------------------------------

yaml_alphabet = st.sampled_from(
    [*list("abc:- \n\t[]{},&*!|>'\"#%@`?\\0123456789."), "\x00", "\x01", "\x7f", "\ufeff", "é"]
)
yamlish = st.one_of(
    st.text(yaml_alphabet, max_size=200),
    st.text(max_size=100),
    st.integers(1, 400).map(lambda n: "a: " + "[" * n + "]" * n),
    st.integers(1, 400).map(lambda n: "a: " + "{b: " * n + "1" + "}" * n),
    st.integers(1, 120).map(lambda n: "".join("  " * i + f"k{i}:\n" for i in range(n))),
    st.integers(1, 200).map(lambda n: "a: &x [1]\n" + "".join(f"k{i}: *x\n" for i in range(n))),
)


@settings(max_examples=200)
@given(yamlish)
def test_the_loader_takes_any_text(text: str) -> None:
    code, err = outcome(lambda: load_text(text, "x.yaml"))
    assert_clean(code, err)
    if code:
        assert "x.yaml" in err  # located


@settings(max_examples=100)
@given(st.binary(max_size=300))
def test_the_loader_takes_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.yaml"
        path.write_bytes(data)
        code, err = outcome(lambda: load_file(path))
        assert_clean(code, err)


# --- arbitrary structures through the validator and the overlay merge ----------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths_of(value, (*prefix, index))


ALL_PATHS = list(paths_of(BASE))[1:]


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """The fixture config with a few values replaced, removed or nulled at arbitrary paths."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            how = draw(st.sampled_from(["replace", "delete", "null"]))
            if how == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif how == "null":
                parent[path[-1]] = None
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue
    return data


def write_config(directory: Path, base: Any, overlay: Any | None = None) -> Path:
    config = directory / "config"
    shutil.copytree(ROOT / "config" / "schema", config / "schema")
    (config / "environments").mkdir()
    (config / "platform.yaml").write_text(yaml.safe_dump(base, allow_unicode=True))
    if overlay is not None:
        (config / "environments" / "staging.yaml").write_text(
            overlay if isinstance(overlay, str) else yaml.safe_dump(overlay, allow_unicode=True)
        )
    return config


@settings(max_examples=150)
@given(mutated(BASE))
def test_the_validator_takes_any_mutation_of_a_valid_config(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), data)
        code, err = outcome(lambda: load_config(config))
        assert_clean(code, err)


@settings(max_examples=100)
@given(json_values)
def test_the_validator_takes_any_structure(data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), data)
        code, err = outcome(lambda: load_config(config))
        assert_clean(code, err)
        assert code == EXIT_USER_ERROR


@settings(max_examples=150)
@given(st.one_of(mutated(BASE_STAGING), json_values, yamlish))
def test_any_overlay_merges_or_is_a_located_error(overlay: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), BASE, overlay)
        code, err = outcome(lambda: load_config(config))
        assert_clean(code, err)


@settings(max_examples=150)
@given(json_values, json_values)
def test_merging_any_two_documents_never_fails(base: Any, overlay: Any) -> None:
    base_doc = Document("a.yaml", base if isinstance(base, dict) else {"v": base})
    overlay_doc = Document("b.yaml", overlay if isinstance(overlay, dict) else {"v": overlay})
    merged = merge_documents(base_doc, overlay_doc)
    assert isinstance(merged.data, dict)


# --- the manifest: arbitrary content never touches anything outside -------------------------

entry_paths = st.one_of(
    st.sampled_from(
        [
            "a.yml",
            "d/b.yml",
            "../outside.txt",
            "/etc/passwd",
            ".git/config",
            "d/../../outside.txt",
            "linked/outside.txt",
            "",
            ".",
            "d//b.yml",
            "a\x00b",
        ]
    ),
    st.text(max_size=30),
)
digests = st.one_of(
    st.just(hashlib.sha256(b"OUTSIDE\n").hexdigest()),
    st.just(hashlib.sha256(b"a\n").hexdigest()),
    st.text(max_size=70),
    json_values,
)
entries = st.fixed_dictionaries(
    {}, optional={"sha256": digests, "source": json_values, "pending": json_values}
)
manifests = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(entry_paths, st.one_of(entries, json_values), max_size=5).map(
        lambda files: json.dumps({"version": 1, "files": files}).encode()
    ),
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@settings(max_examples=200)
@given(manifests, st.booleans(), st.booleans())
def test_any_manifest_never_touches_anything_outside(
    manifest: bytes, force: bool, check: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        (top / "outside.txt").write_bytes(b"OUTSIDE\n")
        ws = top / "ws"
        (ws / ".git").mkdir(parents=True)
        (ws / ".git" / "config").write_bytes(b"OUTSIDE\n")
        (ws / "linked").symlink_to(top, target_is_directory=True)
        (ws / "d").mkdir()
        (ws / "d" / "b.yml").write_bytes(b"a\n")
        (ws / MANIFEST).write_bytes(manifest)
        outside_before = snapshot(top / "ws" / ".git") | {
            "outside": (top / "outside.txt").read_bytes()
        }
        plan = RenderPlan({"a.yml": GeneratedFile("a.yml", b"a\n", "test")})
        action = (
            (lambda: check_plan(ws, plan)) if check else (lambda: apply_plan(ws, plan, force=force))
        )
        code, err = outcome(action)
        assert_clean(code, err)
        assert "OUTSIDE" not in err  # never prints a file outside the policy
        outside_after = snapshot(top / "ws" / ".git") | {
            "outside": (top / "outside.txt").read_bytes()
        }
        assert outside_after == outside_before
        assert sorted(p.name for p in top.iterdir()) == ["outside.txt", "ws"]
