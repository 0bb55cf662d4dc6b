"""The writer's trust boundary: the committed manifest cannot make it touch anything outside the
workspace's own generated files, and an interrupted render never strands the manifest."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from avion_workspace.errors import AvionError, RenderConflict, StaleRender
from avion_workspace.pathpolicy import UnsafePath
from avion_workspace.render import writer
from avion_workspace.render.plan import GeneratedFile, RenderPlan
from avion_workspace.render.writer import (
    MANIFEST,
    TEMP_SUFFIX,
    RenderWriteError,
    apply_plan,
    check_plan,
    read_manifest,
)


def plan_of(files: dict[str, bytes]) -> RenderPlan:
    return RenderPlan({p: GeneratedFile(p, c, "test") for p, c in sorted(files.items())})


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def forge_manifest(root: Path, entries: dict[str, bytes]) -> None:
    files = {p: {"sha256": sha(c), "source": "test"} for p, c in entries.items()}
    (root / MANIFEST).write_text(json.dumps({"version": 1, "files": files}, indent=2) + "\n")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A secret file outside the workspace, and the workspace folder next to it."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"TOP SECRET\n")
    (tmp_path / "ws").mkdir()
    return secret


@pytest.mark.parametrize(
    "entry",
    [
        "ABSOLUTE",
        "../secret.txt",
        "sub/../../secret.txt",
        ".git/config",
        "a/.git/hooks/pre-commit",
        "./a.yml",
        "a//b.yml",
        "a\\b.yml",
        "a\nb.yml",
        "",
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_a_forged_manifest_entry_is_refused_located_and_nothing_is_deleted(
    outside: Path, entry: str, force: bool
) -> None:
    root = outside.parent / "ws"
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(b"TOP SECRET\n")
    if entry == "ABSOLUTE":
        entry = str(outside)
    apply_plan(root, plan_of({"a.yml": b"a\n"}))
    forge_manifest(root, {"a.yml": b"a\n", entry: b"TOP SECRET\n"})
    before = sorted(p for p in outside.parent.rglob("*"))
    with pytest.raises(UnsafePath) as info:
        apply_plan(root, plan_of({}), force=force)
    text = info.value.render()
    assert info.value.exit_code == 1
    assert json.dumps(entry) in text or repr(entry) in text
    line = (
        (root / MANIFEST)
        .read_text()
        .splitlines()
        .index(
            next(
                x
                for x in (root / MANIFEST).read_text().splitlines()
                if json.dumps(entry) + ":" in x
            )
        )
    )
    assert f"{MANIFEST}:{line + 1}:" in text
    assert sorted(p for p in outside.parent.rglob("*")) == before
    assert outside.read_bytes() == b"TOP SECRET\n"
    assert (root / "a.yml").exists()


def test_check_never_prints_a_file_outside_the_policy(outside: Path) -> None:
    root = outside.parent / "ws"
    forge_manifest(root, {"../secret.txt": b"other\n"})
    with pytest.raises(UnsafePath) as info:
        check_plan(root, plan_of({}))
    assert "TOP SECRET" not in info.value.render()


def test_a_render_through_a_linked_folder_is_refused(outside: Path) -> None:
    root = outside.parent / "ws"
    (root / "charts").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(UnsafePath, match="linked folder charts"):
        apply_plan(root, plan_of({"charts/secret.txt": b"overwritten\n", "b.yml": b"b\n"}))
    assert outside.read_bytes() == b"TOP SECRET\n"
    assert not (root / "b.yml").exists()


def test_a_manifest_entry_through_a_linked_folder_is_not_deleted(outside: Path) -> None:
    root = outside.parent / "ws"
    (root / "linked").symlink_to(outside.parent, target_is_directory=True)
    forge_manifest(root, {"linked/secret.txt": b"TOP SECRET\n"})
    with pytest.raises(UnsafePath, match="linked"):
        apply_plan(root, plan_of({}), force=True)
    assert outside.read_bytes() == b"TOP SECRET\n"


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"files": []}',
        '{"files": {"a.yml": 1}}',
        '{"files": {"a.yml": {"sha256": "x", "source": "s"}}}',
        '{"files": {"a.yml": {"sha256": "' + "0" * 64 + '"}}}',
        '{"files": {"a.yml": {"sha256": "' + "0" * 64 + '", "source": "s", "pending": 3}}}',
        "\xff\xfe",
        "null",
    ],
)
def test_a_manifest_of_the_wrong_shape_is_a_located_error(tmp_path: Path, content: str) -> None:
    (tmp_path / MANIFEST).write_bytes(content.encode("latin-1"))
    with pytest.raises(RenderConflict) as info:
        apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    assert MANIFEST in info.value.render()
    assert not (tmp_path / "a.yml").exists()


@pytest.mark.parametrize("kind", ["dir", "fifo", "devzero"])
def test_a_manifest_that_is_not_a_regular_file_is_refused_without_hanging(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / MANIFEST
    if kind == "dir":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(RenderConflict, match="not a valid render manifest"):
        read_manifest(tmp_path)


def test_a_file_where_a_folder_should_be_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "charts").write_text("not a folder\n")
    with pytest.raises(RenderWriteError) as info:
        apply_plan(tmp_path, plan_of({"charts/a/b.yml": b"b\n"}))
    assert "charts/a/b.yml" in info.value.render()
    assert "move it away" in info.value.render()


def test_a_read_only_folder_is_a_located_error_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulated: the tests may run as root, which ignores permission bits.
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(RenderWriteError) as info:
        apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    assert "read-only" in info.value.render()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


class Killed(BaseException):
    """Stands for a kill at one point of the render: nothing after it runs."""


@pytest.mark.parametrize("stop", range(1, 9))
@pytest.mark.parametrize("force", [False, True])
def test_an_interrupted_render_leaves_a_manifest_that_describes_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool, stop: int
) -> None:
    gone = b"# GENERATED by the Avion workspace from test\ng\n"
    first = {"a.yml": b"a1\n", "d/b.yml": b"b1\n", "gone.yml": gone, "same.yml": b"s\n"}
    second = {"a.yml": b"a2\n", "d/b.yml": b"b2\n", "new/c.yml": b"c\n", "same.yml": b"s\n"}
    real_write, real_remove = writer.atomic_write, writer._remove
    root = tmp_path
    apply_plan(root, plan_of(first))
    steps = 0

    def step() -> None:
        nonlocal steps
        steps += 1
        if steps == stop:
            raise Killed

    def write(path: Path, data: bytes, **kwargs: object) -> None:
        step()
        real_write(path, data, **kwargs)  # type: ignore[arg-type]

    def remove(root_: Path, rel: str) -> None:
        step()
        real_remove(root_, rel)

    monkeypatch.setattr(writer, "atomic_write", write)
    monkeypatch.setattr(writer, "_remove", remove)
    with contextlib.suppress(Killed):
        apply_plan(root, plan_of(second), force=force)
    monkeypatch.setattr(writer, "atomic_write", real_write)
    monkeypatch.setattr(writer, "_remove", real_remove)
    manifest = read_manifest(root)
    for path, entry in manifest.items():
        target = root / path
        if target.exists():
            assert entry.accepts(sha(target.read_bytes())), path
            assert target.read_bytes() in (first.get(path), second.get(path))
    for path in {*first, *second}:
        if (root / path).exists():
            assert path in manifest, path
    apply_plan(root, plan_of(second))  # no --force needed
    check_plan(root, plan_of(second))
    assert not [p for p in root.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_a_rerun_removes_temporary_files_a_killed_run_left(tmp_path: Path) -> None:
    apply_plan(tmp_path, plan_of({"d/a.yml": b"a\n"}))
    stale = tmp_path / "d" / f".a.yml.0123456789ab{TEMP_SUFFIX}"
    stale.write_bytes(b"half")
    unrelated = tmp_path / "d" / f".mine.0123{TEMP_SUFFIX}"
    unrelated.write_bytes(b"not ours")
    apply_plan(tmp_path, plan_of({"d/a.yml": b"a2\n"}))
    assert not stale.exists()
    assert unrelated.exists()


def test_temporary_names_are_git_ignored(workspace_root: Path) -> None:
    import subprocess

    result = subprocess.run(
        ["git", "check-ignore", "--no-index", f"charts/x/.values.yaml.abc{TEMP_SUFFIX}"],
        cwd=workspace_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_stale_render_check_after_interruption_says_so(tmp_path: Path) -> None:
    apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    forge_manifest(tmp_path, {"a.yml": b"a\n"})
    data = json.loads((tmp_path / MANIFEST).read_text())
    data["files"]["a.yml"]["pending"] = [sha(b"old\n")]
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(StaleRender) as info:
        check_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    assert "out of date (a render was interrupted part-way)" in info.value.render()
    assert "a plain `inv render` completes it" in info.value.render()
    assert isinstance(StaleRender("x"), AvionError)


def test_check_never_prints_what_a_link_in_place_of_a_generated_file_points_at(
    outside: Path,
) -> None:
    root = outside.parent / "ws"
    apply_plan(root, plan_of({"a.yml": b"a\n"}))
    (root / "a.yml").unlink()
    (root / "a.yml").symlink_to(outside)
    with pytest.raises(StaleRender) as info:
        check_plan(root, plan_of({"a.yml": b"a\n"}))
    assert "a.yml: is not a regular file (a folder, link, FIFO or socket)" in info.value.render()
    assert "TOP SECRET" not in info.value.render()


@pytest.mark.parametrize(
    "entry",
    [
        "config/platform.yaml",
        "tasks.py",
        "README.md",
        "services/auth/src/avion_auth/api.py",
        "package.json",
        "config/schema/platform.schema.json",
    ],
)
@pytest.mark.parametrize("matching", [True, False])
@pytest.mark.parametrize("force", [False, True])
def test_a_manifest_entry_naming_a_source_file_never_removes_it(
    tmp_path: Path, entry: str, matching: bool, force: bool
) -> None:
    source = b"the team's own source\n"
    (tmp_path / entry).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / entry).write_bytes(source)
    apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    forge_manifest(tmp_path, {"a.yml": b"a\n", entry: source if matching else b"other\n"})
    with pytest.raises(RenderConflict) as info:
        apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}), force=force)
    assert info.value.exit_code == 1
    assert entry in info.value.render()
    assert f"git checkout HEAD -- {MANIFEST}" in info.value.render()  # the hint
    if matching:  # located at the forged entry
        line = next(
            n
            for n, text in enumerate((tmp_path / MANIFEST).read_text().splitlines(), 1)
            if json.dumps(entry) + ":" in text
        )
        assert f"{MANIFEST}:{line}:" in info.value.render()
    assert (tmp_path / entry).read_bytes() == source
    with pytest.raises((RenderConflict, StaleRender)):
        check_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    assert (tmp_path / entry).read_bytes() == source


def test_a_stale_generated_file_with_its_header_is_still_removed(tmp_path: Path) -> None:
    stamped = {
        "charts/x/values.schema.json": b"{}\n",
        "docs/x.md": b"<!-- GENERATED by the Avion workspace from t -->\nx\n",
        "bin/run.sh": b"#!/bin/sh\n# GENERATED by the Avion workspace from t\n",
    }
    apply_plan(tmp_path, plan_of(stamped))
    report = apply_plan(tmp_path, plan_of({}))
    assert sorted(report.deleted) == sorted(stamped)


def test_the_hint_for_a_conflicted_manifest_runs_while_the_file_is_unmerged(
    tmp_path: Path,
) -> None:
    import shlex
    import subprocess

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    git("init", "-q", "-b", "main")
    apply_plan(tmp_path, plan_of({"a.yml": b"a\n"}))
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "other")
    apply_plan(tmp_path, plan_of({"a.yml": b"a\n", "b.yml": b"b\n"}))
    git("add", "-A")
    git("commit", "-qm", "other")
    git("checkout", "-q", "main")
    apply_plan(tmp_path, plan_of({"a.yml": b"a\n", "c.yml": b"c\n"}))
    git("add", "-A")
    git("commit", "-qm", "main")
    assert git("merge", "-q", "other").returncode != 0  # the manifest conflicts
    with pytest.raises(RenderConflict) as info:
        read_manifest(tmp_path)
    hint = info.value.hint or ""
    command = hint[hint.index("git checkout") :].split("&&")[0]
    assert "inv render" in hint.split("&&", 1)[1]
    done = subprocess.run(shlex.split(command), cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert set(read_manifest(tmp_path)) == {"a.yml", "c.yml"}


@pytest.mark.parametrize("content", ["[" * 100_000, '{"files": {"a.yml": ' + "[" * 5000 + "}}"])
def test_a_manifest_nested_absurdly_deep_is_a_located_error(tmp_path: Path, content: str) -> None:
    (tmp_path / MANIFEST).write_text(content)
    with pytest.raises(RenderConflict) as info:
        read_manifest(tmp_path)
    assert f"{MANIFEST}:1:" in info.value.render()
    assert info.value.hint


def test_every_file_the_real_render_plans_could_be_removed_when_no_longer_generated() -> None:
    """The stale-removal rule and the renderers stay in step: each planned file carries the
    header, or is a headerless format under a generated root."""
    from avion_workspace.config import load_platforms
    from avion_workspace.render.plan import RenderContext, build_plan
    from avion_workspace.render.writer import could_be_generated
    from tests.support import ROOT

    plan = build_plan(RenderContext(load_platforms(ROOT / "config")))
    refused = [p for p, f in plan.files.items() if not could_be_generated(p, f.content[:1024])]
    assert refused == []


@pytest.mark.parametrize("kind", ["folder", "fifo", "socket", "dangling link", "link to a file"])
def test_compare_reports_anything_but_a_regular_file_in_place_of_a_generated_one(
    tmp_path: Path, kind: str
) -> None:
    import socket

    root = tmp_path / "ws"
    apply_plan(root, plan_of({"a.yml": b"a\n", "b.yml": b"b\n"}))
    target = root / "a.yml"
    target.unlink()
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)  # a blocking open would hang the check
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(target))
    elif kind == "dangling link":
        target.symlink_to(tmp_path / "nowhere")
    else:
        target.symlink_to(root / "b.yml")
    changes = {
        c.path: c for c in writer.compare(root, plan_of({"a.yml": b"a\n", "b.yml": b"b\n"})).changes
    }
    # a FIFO or socket was called "a directory or a link"
    assert changes["a.yml"].reason == "is not a regular file (a folder, link, FIFO or socket)"
    assert changes["b.yml"].reason == "identical"


def test_compare_reads_a_file_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    big = b"x" * 300_000 + b"\n"
    apply_plan(root, plan_of({"big.yml": big}))
    assert writer.compare(root, plan_of({"big.yml": big})).changes[0].reason == "identical"
    (root / "big.yml").write_bytes(big + b"more\n")
    assert writer.compare(root, plan_of({"big.yml": big})).changes[0].action.name != "IDENTICAL"
    (root / "big.yml").write_bytes(big)
    (root / "big.yml").chmod(0o755)
    assert writer.compare(root, plan_of({"big.yml": big})).changes[0].reason == "file mode differs"


def test_a_huge_file_where_a_generated_one_goes_is_never_read(tmp_path: Path) -> None:
    """A stray sparse terabyte (a log written to the wrong path) was read whole: MemoryError,
    exit 3; a 3 GB one took 12 GB and printed itself as a diff. Now a conflict, never read,
    never overwritten or removed (not even with --force)."""
    root = tmp_path / "ws"
    apply_plan(root, plan_of({"a.yml": b"a\n", "gone.yml": b"g\n"}))
    for name in ("a.yml", "gone.yml"):
        with (root / name).open("r+b") as handle:
            handle.truncate(1 << 40)  # sparse: no disk used
    plan = plan_of({"a.yml": b"a\n"})
    changes = {c.path: c for c in writer.compare(root, plan).changes}
    assert changes["a.yml"].reason == changes["gone.yml"].reason
    assert changes["a.yml"].reason == "is larger than any file the workspace generates"
    with pytest.raises(StaleRender) as stale:
        writer.check_plan(root, plan)
    assert len(stale.value.render()) < 2000
    with pytest.raises(RenderConflict) as conflict:
        apply_plan(root, plan, force=True)
    assert "move it away" in conflict.value.render()
    assert (root / "a.yml").stat().st_size == (root / "gone.yml").stat().st_size == 1 << 40


def test_a_short_read_is_read_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read may return less than asked (network file systems): the rest is read, not taken
    for a hand edit."""
    root = tmp_path / "ws"
    content = b"line\n" * 1000
    apply_plan(root, plan_of({"a.yml": content}))
    real_read = os.read
    monkeypatch.setattr(writer.os, "read", lambda fd, n: real_read(fd, min(n, 1000)))
    assert writer.compare(root, plan_of({"a.yml": content})).changes[0].reason == "identical"


def test_a_manifest_entry_naming_a_folder_points_at_the_manifest(tmp_path: Path) -> None:
    """A manifest edited to list the repository's docs/ folder: the hint was "move it away"
    (the docs folder), where the manifest is what is wrong."""
    root = tmp_path / "ws"
    apply_plan(root, plan_of({"a.yml": b"a\n"}))
    (root / "docs").mkdir()
    manifest = json.loads((root / MANIFEST).read_text())
    manifest["files"]["docs"] = {"sha256": "0" * 64, "source": "x"}
    (root / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(RenderConflict) as info:
        apply_plan(root, plan_of({"a.yml": b"a\n"}), force=True)
    text = info.value.render()
    assert "docs: no longer generated, and not a file" in text
    assert f"git checkout HEAD -- {MANIFEST}" in text
    assert (root / "docs").is_dir()
