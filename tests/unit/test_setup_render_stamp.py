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
