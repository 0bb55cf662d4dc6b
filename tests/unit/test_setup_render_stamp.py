"""A warm ``inv setup`` skips the render only when nothing a render reads or writes changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from avion_workspace.setup import (
    PIPELINE,
    RENDER_STAMP,
    render_fingerprint,
    render_if_changed,
    render_is_current,
    write_render_stamp,
)


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config"
    config.mkdir()
    (config / "platform.yaml").write_text("a: 1\n")
    (tmp_path / "out.txt").write_text("generated\n")
    (tmp_path / ".render-manifest.json").write_text(json.dumps({"files": {"out.txt": {}}}))
    return tmp_path, config


def later(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_the_fingerprint_follows_config_and_generated_files(tmp_path: Path) -> None:
    root, config = workspace(tmp_path)
    first = render_fingerprint(root, config)
    assert first == render_fingerprint(root, config)
    later(root / "out.txt")  # a generated file edited by hand
    second = render_fingerprint(root, config)
    assert second != first
    later(config / "platform.yaml")
    assert render_fingerprint(root, config) != second
    (root / "out.txt").unlink()  # a generated file deleted
    assert render_fingerprint(root, config) not in (first, second)


def test_without_a_manifest_there_is_no_fingerprint(tmp_path: Path) -> None:
    root, config = workspace(tmp_path)
    (root / ".render-manifest.json").unlink()
    assert render_fingerprint(root, config) == ""


def test_a_matching_stamp_skips_the_render(tmp_path: Path) -> None:
    root, config = workspace(tmp_path)
    (root / RENDER_STAMP).parent.mkdir()
    (root / RENDER_STAMP).write_text(render_fingerprint(root, config))
    assert render_if_changed(root, config) == "render OK: nothing changed since the last render"


def test_the_pipeline_definition_and_the_libraries_are_render_inputs(tmp_path: Path) -> None:
    root, config = workspace(tmp_path)
    pipeline = root / PIPELINE
    pipeline.parent.mkdir()
    pipeline.write_text("stages: []\n")
    library = root / "libs" / "x" / "src" / "x" / "__init__.py"
    library.parent.mkdir(parents=True)
    library.write_text("")
    first = render_fingerprint(root, config)
    later(pipeline)
    second = render_fingerprint(root, config)
    assert second != first
    later(library)
    assert render_fingerprint(root, config) not in (first, second)


def test_the_stamp_is_written_only_where_local_state_lives(tmp_path: Path) -> None:
    root, config = workspace(tmp_path)
    write_render_stamp(root, config)
    assert not (root / RENDER_STAMP).exists()  # a bare checkout or a test copy stays as it was
    assert not render_is_current(root, config)
    (root / RENDER_STAMP).parent.mkdir()
    write_render_stamp(root, config)
    assert render_is_current(root, config)
    later(root / "out.txt")
    assert not render_is_current(root, config)


def _stamped(tmp_path: Path) -> tuple[Path, Path]:
    root, config = workspace(tmp_path)
    (root / RENDER_STAMP).parent.mkdir()
    write_render_stamp(root, config)
    assert render_is_current(root, config)
    return root, config


def test_a_stamp_that_is_not_the_workspaces_means_not_current(tmp_path: Path) -> None:
    root, config = _stamped(tmp_path)
    stamp = root / RENDER_STAMP
    stamp.write_bytes(b"\xff\xfe")  # garbage: was a UnicodeDecodeError (exit 3)
    assert not render_is_current(root, config)
    stamp.unlink()
    os.mkfifo(stamp)  # was a read blocked for ever
    assert not render_is_current(root, config)


def test_a_manifest_only_a_full_render_can_judge_has_no_fingerprint(tmp_path: Path) -> None:
    """The fast path neither crashes nor stats outside the workspace: the full render reads
    such a manifest and names what is wrong with it."""
    root, config = _stamped(tmp_path)
    manifest = root / ".render-manifest.json"
    for files in (
        '{"\\ud800": {}}',  # was UnicodeEncodeError (exit 3)
        '[1, "a"]',  # was TypeError sorting it (exit 3)
        '{"../outside.txt": {}}',
        '{"/etc/passwd": {}}',
    ):
        manifest.write_text('{"files": ' + files + "}")
        assert render_fingerprint(root, config) == ""
        assert not render_is_current(root, config)
    manifest.unlink()
    os.mkfifo(manifest)  # was a read blocked for ever
    assert render_fingerprint(root, config) == ""


def test_whatever_stands_where_the_stamp_goes_is_replaced_not_written_through(
    tmp_path: Path,
) -> None:
    root, config = workspace(tmp_path)
    stamp = root / RENDER_STAMP
    stamp.parent.mkdir()
    os.mkfifo(stamp)  # opening it for writing blocked for ever without a reader
    reader = os.open(stamp, os.O_RDONLY | os.O_NONBLOCK)  # so a write through it fails, not hangs
    try:
        write_render_stamp(root, config)
    finally:
        os.close(reader)
    assert stamp.is_file()
    assert render_is_current(root, config)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    stamp.unlink()
    stamp.symlink_to(outside)
    write_render_stamp(root, config)
    assert outside.read_text() == "keep\n"
    assert not stamp.is_symlink()
    assert render_is_current(root, config)
    stamp.unlink()
    stamp.mkdir()  # cannot be replaced: no stamp, no error, nothing left behind
    write_render_stamp(root, config)
    assert not render_is_current(root, config)
    assert sorted(p.name for p in stamp.parent.iterdir()) == ["render.stamp"]


def test_a_same_size_edit_with_its_mtime_set_back_is_seen(tmp_path: Path) -> None:
    """``sed -i`` then ``touch -r``/``cp -p``: size and modification time as recorded, content
    not; the change time tells (was: render --check passed on the stamp alone)."""
    import time

    root, config = _stamped(tmp_path)
    out = root / "out.txt"
    before = out.stat()
    # A later change time needs the file system's (coarse) clock to move on: poll a probe file.
    probe = tmp_path / "probe"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe.write_bytes(b"")
        if probe.stat().st_ctime_ns > before.st_ctime_ns:
            break
        time.sleep(0.01)
    with out.open("r+b") as handle:  # edited in place: same inode, same size
        handle.write(b"G")
    os.utime(out, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert out.stat().st_mtime_ns == before.st_mtime_ns
    assert out.stat().st_size == before.st_size
    assert not render_is_current(root, config)
