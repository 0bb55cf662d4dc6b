"""``inv setup``: from a fresh clone to a workspace ready to work in.

Validate config, render generated files, generate local credentials into ``.env``, bring the
local stack up (docker or native backend), provision roles, databases, ACL users and buckets,
and migrate every service database. Every step is idempotent: a second run changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import avion_workspace
from avion_workspace.config import load_platform
from avion_workspace.localenv import ensure_env
from avion_workspace.render import MANIFEST, MAX_MANIFEST_BYTES
from avion_workspace.workspace import find_root, resolve_config_dir

# What the last render of this workspace saw: its inputs and outputs, by path, size and mtime.
RENDER_STAMP = Path(".avion") / "render.stamp"


# Inputs of a render outside config/ and the engine: the CI pipeline definition.
PIPELINE = Path("workflows") / "pipeline.yaml"


def _installed() -> list[str]:
    """The installed distributions by name and version (a dependency upgrade changes output)."""
    try:
        entries = list(Path(sysconfig.get_paths()["purelib"]).iterdir())
    except OSError:
        return []
    return sorted(entry.name for entry in entries if entry.name.endswith(".dist-info"))


_MAX_STAMP_BYTES = 1024


def _manifest_outputs(manifest: Path) -> list[str] | None:
    """The paths the manifest lists, sorted, when it is a regular JSON file of the manifest's
    shape and the path policy allows each; else ``None`` (the full render reads it and names
    what is wrong). Never blocks on a FIFO or reads a device."""
    from avion_workspace.pathpolicy import UnreadableFile, policy_violation, read_regular

    try:
        raw = read_regular(manifest, limit=MAX_MANIFEST_BYTES, source=MANIFEST)
        files = json.loads(raw.decode("utf-8"))["files"]
    except (UnreadableFile, OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(files, dict) or any(policy_violation(rel) is not None for rel in files):
        return None
    return sorted(files)


def render_fingerprint(root: Path, config_dir: Path) -> str:
    """A digest of everything a render reads (config, the pipeline definition, the engine, its
    templates and libraries, the installed dependencies) and writes.

    Equal digests mean a render would change nothing, so a warm ``inv setup`` skips it and
    ``inv render --check`` passes without building the plan. Any edit, of config, of the engine
    or of a generated file, changes a size, an mtime, a change time or an inode.
    """
    engine = (
        p for p in Path(avion_workspace.__file__).parent.rglob("*") if "__pycache__" not in p.parts
    )
    libraries = (p for p in root.glob("libs/*/src/**/*") if "__pycache__" not in p.parts)
    paths = [*sorted(config_dir.rglob("*")), root / PIPELINE, *sorted(engine), *sorted(libraries)]
    manifest = root / MANIFEST
    outputs = _manifest_outputs(root / MANIFEST)
    if outputs is None:
        return ""  # no manifest yet, or one only a full render can judge: always render
    paths += [manifest, *(root / rel for rel in outputs)]
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{' '.join(_installed())}\n".encode())
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
            continue
        if path.is_file():
            # The change time and inode too: unlike a modification time, no tool sets them back
            # (touch -r, cp -p, an editor restoring one after a same-size edit).
            stamp = f"{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}"
            digest.update(f"{path}\0{stamp}\n".encode())
    return digest.hexdigest()


def render_is_current(root: Path, config_dir: Path) -> bool:
    """True when the stamp of the last render (or passing check) matches what is on disk now."""
    from avion_workspace.pathpolicy import UnreadableFile, read_regular

    try:
        recorded = read_regular(root / RENDER_STAMP, limit=_MAX_STAMP_BYTES).decode("ascii")
    except (UnreadableFile, OSError, UnicodeDecodeError):
        # No stamp (a fresh clone, CI), or not one this module wrote (a FIFO, garbage): nothing
        # to fingerprint against.
        return False
    current = render_fingerprint(root, config_dir)
    return bool(current) and recorded == current


def write_render_stamp(root: Path, config_dir: Path) -> None:
    """Record that the generated files on disk are exactly the render of the current inputs.

    Only where the workspace keeps its local state (``.avion/``, made by ``inv setup``), so a
    render or check in a bare checkout or a test copy leaves nothing behind.
    """
    stamp = root / RENDER_STAMP
    if stamp.parent.is_dir():
        _write_stamp(stamp, render_fingerprint(root, config_dir))


def _write_stamp(stamp: Path, fingerprint: str) -> None:
    """Replace ``stamp`` by a new regular file holding ``fingerprint``.

    Renamed into place: whatever stood there (a FIFO, whose opening for writing would block for
    ever; a link) is replaced, not written through. The stamp only saves work, so a stamp that
    cannot be written (a folder in its place, a read-only ``.avion``) is left out: the next run
    renders.
    """
    fd, temp = tempfile.mkstemp(prefix=".render.stamp.", suffix=".avion-tmp", dir=stamp.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(fingerprint)
        Path(temp).replace(stamp)
    except OSError:
        with contextlib.suppress(OSError):
            Path(temp).unlink()


def render_if_changed(root: Path, config_dir: Path) -> str:
    """Render unless nothing changed since the last render; returns the line to print."""
    stamp = root / RENDER_STAMP
    if render_is_current(root, config_dir):
        return "render OK: nothing changed since the last render"
    # Imported only when a render is due: the renderer and its templates are the larger part
    # of a warm setup's start-up (benchmarks/setup.sh).
    from avion_workspace.render import plan_for
    from avion_workspace.render.writer import apply_plan

    report = apply_plan(root, plan_for(config_dir))
    changed = len(report.created) + len(report.updated) + len(report.deleted)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    _write_stamp(stamp, render_fingerprint(root, config_dir))
    return f"render OK: {changed} generated files written, {report.identical} already current"


def run_setup(config_dir: str | None, backend: str | None = None) -> None:
    from avion_workspace.infra.cli import Workspace, bring_up, console

    started = time.monotonic()
    out = console()
    root = find_root()
    cdir = resolve_config_dir(config_dir)
    platform = load_platform(cdir, "local")
    out.print(
        f"config OK: {len(platform.services)} services, environments: {', '.join(platform.environments)}"
    )
    out.print(render_if_changed(root, cdir))
    for line in ensure_env(root, platform).messages():
        out.print(line, soft_wrap=True)  # one line, whatever the width: names only, no values
    bring_up(Workspace(root, cdir, platform), backend, out, migrate=True)
    out.print(f"setup done in {time.monotonic() - started:.1f}s")
