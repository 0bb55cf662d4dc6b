"""The one writer of generated files: compare a plan with disk, then write atomically.

Rules:
- a file whose content already equals the plan is left alone (a second render writes nothing);
- a generated file still as it was generated (its hash matches the manifest) is updated;
- a generated file edited by hand is a conflict, overwritten only with ``force``;
- a file the workspace did not generate is never touched, ``force`` or not;
- files generated earlier that the plan no longer has are removed (unless hand-edited);
- every path, planned or read from the manifest, obeys :mod:`avion_workspace.pathpolicy`
  (relative, inside the workspace, not under .git, not through a linked folder); a manifest
  entry that breaks it stops the render before anything is read or written, ``force`` or not.

Interruptions (kill -9, Ctrl-C, a write error) never leave the manifest behind the disk: before
the first file changes, the manifest is rewritten as a *journal* listing, for every path about to
change, both the hash it has and the hash it will have (``pending``). Whatever moment the process
dies, each file on disk has one of the hashes the manifest lists, so a plain rerun recognises
every file as generated and completes without ``--force``. The final manifest is written last.
Every write is a temporary file (``.<name>.<random>.avion-tmp``, git-ignored) in the same
directory renamed over the target; a rerun removes the temporary files a killed run left.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from avion_workspace.errors import AvionError, Location, Problem, RenderConflict, StaleRender
from avion_workspace.pathpolicy import (
    MAX_JSON_DEPTH,
    UnreadableFile,
    check_relative,
    json_too_deep,
    linked_parent,
    policy_violation,
    read_regular,
    read_regular_at,
    safe_target,
)
from avion_workspace.render import MANIFEST, MAX_MANIFEST_BYTES, jsonout
from avion_workspace.render.plan import GENERATED_MARK, GeneratedFile, RenderPlan, comment_style

_MANIFEST_VERSION = 1
# A generated file is at most tens of kilobytes; a larger file where one goes is not read.
MAX_GENERATED_BYTES = 16 * 1024 * 1024
TEMP_SUFFIX = ".avion-tmp"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class RenderWriteError(AvionError):
    """The file system refused a write (read-only folder, a file where a folder should be...)."""


class Action(Enum):
    CREATE = "create"
    UPDATE = "update"
    IDENTICAL = "identical"
    DELETE = "delete"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Change:
    path: str
    action: Action
    reason: str
    planned: GeneratedFile | None = None
    current: str | None = None  # the sha256 on disk, when the file exists


@dataclass(frozen=True)
class ManifestEntry:
    sha256: str
    source: str
    # Hashes an interrupted render may have left on disk instead of ``sha256`` (the journal).
    pending: tuple[str, ...] = ()

    def accepts(self, digest: str) -> bool:
        return digest == self.sha256 or digest in self.pending


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    manifest: Mapping[str, ManifestEntry]
    new_manifest: bytes
    manifest_current: bool

    def of(self, *actions: Action) -> list[Change]:
        return [c for c in self.changes if c.action in actions]


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    identical: int = 0
    manifest_written: bool = False

    @property
    def wrote_anything(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.manifest_written)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry_location(text: str, path: str) -> Location:
    """Where the manifest entry for ``path`` starts (its key), or the manifest itself."""
    needle = json.dumps(path) + ":"
    index = text.find(needle)
    if index < 0:
        return Location(MANIFEST)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Location(MANIFEST, line, column)


def _bad_manifest(reason: str, where: Location | None = None) -> RenderConflict:
    return RenderConflict(
        f"{MANIFEST} is not a valid render manifest: {reason}",
        problems=[Problem(reason, where or Location(MANIFEST))],
        hint=f"restore it from git: git checkout HEAD -- {MANIFEST} && inv render",
    )


def _parse_entry(text: str, path: Any, entry: Any) -> ManifestEntry:
    """One entry, checked; its location in the manifest is looked up only for an error."""
    if not isinstance(path, str):
        raise _bad_manifest("a file name is not a string")
    if policy_violation(path) is not None:
        check_relative(path, where=_entry_location(text, path), what=f"{MANIFEST} entry")
    problem = None
    if not isinstance(entry, dict):
        problem = f"the entry for {path!r} is not an object"
    else:
        digest, source = entry.get("sha256"), entry.get("source")
        pending = entry.get("pending", [])
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            problem = f"the entry for {path!r} has no valid sha256"
        elif not isinstance(source, str):
            problem = f"the entry for {path!r} has no source"
        elif not isinstance(pending, list) or not all(
            isinstance(p, str) and _SHA256.fullmatch(p) for p in pending
        ):
            problem = f"the entry for {path!r} has an invalid pending list"
        else:
            return ManifestEntry(digest, source, tuple(pending))
    raise _bad_manifest(problem, _entry_location(text, path))


def read_manifest(root: Path) -> dict[str, ManifestEntry]:
    """The manifest's entries, every path checked against the path policy first.

    A manifest of the wrong shape, or naming a path the policy refuses, raises a located error
    naming the entry; nothing is read from or written to the paths it names.
    """
    path = root / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    if path.is_symlink():
        raise _bad_manifest("it is a symbolic link")
    try:
        raw_bytes = read_regular(path, limit=MAX_MANIFEST_BYTES, source=MANIFEST)
    except UnreadableFile as exc:
        raise _bad_manifest(exc.problems[0].message if exc.problems else exc.message) from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_manifest(f"not valid JSON ({exc})") from None
    try:
        # The parser bounds its own recursion; only the shape below is walked, so deeper
        # nesting that parses can sit only in values nothing reads.
        raw = json.loads(text)
    except RecursionError:
        deep = json_too_deep(text) or (1, 1)
        raise _bad_manifest(
            f"nested deeper than {MAX_JSON_DEPTH} levels", Location(MANIFEST, *deep)
        ) from None
    except ValueError as exc:
        raise _bad_manifest(f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("files"), dict):
        raise _bad_manifest('expected an object with a "files" object')
    return {p: _parse_entry(text, p, e) for p, e in raw["files"].items()}


def manifest_bytes(plan: RenderPlan, extra: Mapping[str, ManifestEntry] | None = None) -> bytes:
    """The manifest for ``plan``; ``extra`` (the journal) adds pending hashes and entries."""
    entries = {path: ManifestEntry(f.digest, f.source) for path, f in plan.files.items()}
    for path, entry in (extra or {}).items():
        if path in entries:
            base = entries[path]
            pending = tuple(sorted({*entry.pending, entry.sha256} - {base.sha256}))
            entries[path] = ManifestEntry(base.sha256, base.source, pending)
        else:
            entries[path] = entry
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(entries):  # keys only: comparing (path, entry) pairs costs twice as much
        entry = entries[path]
        files[path] = {"sha256": entry.sha256, "source": entry.source}
        if entry.pending:
            files[path]["pending"] = list(entry.pending)
    body = {"comment": _MANIFEST_COMMENT, "version": _MANIFEST_VERSION, "files": files}
    return (jsonout.dumps(body) + "\n").encode("utf-8")


_MANIFEST_COMMENT = "Written by `inv render`: the files the workspace generated. Do not edit."


def _read_target(target: Path | str, rel: str) -> bytes:
    try:
        with open(target, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise _write_error(rel, exc, "read") from None


def compare(root: Path, plan: RenderPlan) -> Comparison:
    """How disk differs from ``plan``; reads only, and only paths the policy allows."""
    root = root.resolve()
    manifest = read_manifest(root)
    seen: dict[str, Path | None] = {}
    for path in manifest:  # syntax already checked by read_manifest; now the linked folders
        if linked_parent(root, path, seen) is not None:
            safe_target(root, path, where=_manifest_where(root, path), what=f"{MANIFEST} entry")
    changes: list[Change] = []
    base = str(root)
    for path, planned in plan.files.items():
        check_relative(path, what="planned file")
        if linked_parent(root, path, seen) is not None:
            safe_target(root, path, what="planned file", seen=seen)  # raises, naming the link
        try:
            found = read_regular_at(
                f"{base}/{path}", limit=MAX_GENERATED_BYTES
            )  # strings: pathlib was a third of this
        except (FileNotFoundError, NotADirectoryError):  # the write reports a file in the way
            changes.append(Change(path, Action.CREATE, "missing", planned))
            continue
        except OSError as exc:
            raise _write_error(path, exc, "read") from None
        if found is None:
            changes.append(Change(path, Action.CONFLICT, _NOT_REGULAR, planned))
            continue
        mode, current = found
        if current is None:
            changes.append(Change(path, Action.CONFLICT, _TOO_LARGE, planned))
            continue
        if current == planned.content and bool(mode & stat.S_IXUSR) == planned.executable:
            changes.append(Change(path, Action.IDENTICAL, "identical", planned))
            continue
        digest = _sha256(current)
        if current == planned.content:
            changes.append(Change(path, Action.UPDATE, "file mode differs", planned, digest))
        elif path not in manifest:
            changes.append(
                Change(
                    path,
                    Action.CONFLICT,
                    "exists and was not generated by the workspace",
                    planned,
                    digest,
                )
            )
        elif not manifest[path].accepts(digest):
            changes.append(Change(path, Action.CONFLICT, "edited by hand", planned, digest))
        else:
            changes.append(Change(path, Action.UPDATE, "stale", planned, digest))
    for path in sorted(set(manifest) - set(plan.files)):
        target = root / path
        if target.is_symlink() or not target.exists():
            continue
        if not target.is_file():
            changes.append(Change(path, Action.CONFLICT, "no longer generated, and not a file"))
            continue
        if target.stat().st_size > MAX_GENERATED_BYTES:
            changes.append(Change(path, Action.CONFLICT, _TOO_LARGE))
            continue
        content = _read_target(target, path)
        digest = _sha256(content)
        generated = could_be_generated(path, content[:_HEADER_BYTES])
        if not manifest[path].accepts(digest):
            reason = "no longer generated, and edited by hand" if generated else _NO_HEADER
            changes.append(Change(path, Action.CONFLICT, reason, None, digest))
        elif not generated:
            raise _not_generated(root, path)
        else:
            changes.append(Change(path, Action.DELETE, "no longer generated", None, digest))
    new_manifest = manifest_bytes(plan)
    manifest_path = root / MANIFEST
    on_disk = manifest_path.read_bytes() if manifest_path.is_file() else None
    return Comparison(tuple(changes), manifest, new_manifest, on_disk == new_manifest)


# Generated files in formats without comments (JSON) carry no header; they live only here.
HEADERLESS_ROOTS = ("charts/", "infrastructure/")
_HEADER_BYTES = 1024


def could_be_generated(path: str, head: bytes) -> bool:
    """Whether the file at ``path`` starting with ``head`` may be one the workspace generated.

    A format with comments must carry the generated-file header in its first lines (after a
    shebang); a headerless format must lie under a generated root. Nothing under ``config/``
    (the workspace's sources) ever qualifies.
    """
    if path.startswith("config/"):
        return False
    if comment_style(path) is None:
        return path.startswith(HEADERLESS_ROOTS)
    first_lines = head.split(b"\n", 3)[:3]
    return any(GENERATED_MARK.encode() in line for line in first_lines)


def _not_generated(root: Path, path: str) -> RenderConflict:
    """A stale manifest entry naming a file the workspace cannot have generated (a forged or
    mistaken entry): refused, ``force`` or not, located at the entry."""
    return RenderConflict(
        f"{MANIFEST} lists {path}, which the workspace did not generate; refusing to remove it",
        problems=[
            Problem(
                f"entry {path!r} names a file without the generated-file header",
                _manifest_where(root, path),
            )
        ],
        hint=f"restore the manifest: git checkout HEAD -- {MANIFEST} && inv render",
    )


def _manifest_where(root: Path, path: str) -> Location:
    try:
        text = (root / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Location(MANIFEST)
    return _entry_location(text, path)


def _write_error(rel: str, exc: OSError, verb: str = "write") -> RenderWriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    hints = {
        "PermissionError": "the folder or file is read-only: fix its permissions and rerun",
        "NotADirectoryError": "a file stands where a folder is needed: move it away and rerun",
        "FileExistsError": "a file stands where a folder is needed: move it away and rerun",
        "IsADirectoryError": "a folder stands where a file is needed: move it away and rerun",
    }
    return RenderWriteError(
        f"cannot {verb} {rel}: {reason}",
        problems=[Problem(f"cannot {verb}: {reason}", Location(rel))],
        hint=hints.get(type(exc).__name__, "fix the file system problem and rerun `inv render`")
        + " (a rerun completes the render; nothing generated is lost)",
    )


def atomic_write(
    path: Path, data: bytes, *, executable: bool = False, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    The temporary file is created with its final mode (``mode``, else 0644 or 0755) from the
    first byte, so a secret written with ``mode=0o600`` is never readable by others, even if
    the process dies before the rename. Its name ends in :data:`TEMP_SUFFIX` (git-ignored).
    """
    final_mode = mode if mode is not None else (0o755 if executable else 0o644)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL with the final mode; umask may only narrow it, the fchmod below restores it.
    while True:
        tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}"
        try:
            fd = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                final_mode & 0o700,
            )
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), final_mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # os-level call on purpose: the rename must be the one atomic step
        os.replace(tmp, path)  # noqa: PTH105
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)  # noqa: PTH108
        raise


def remove_stale_temps(directory: Path, names: Iterable[str]) -> list[Path]:
    """Delete the temporary files a killed :func:`atomic_write` of ``names`` left in ``directory``."""
    if not directory.is_dir() or directory.is_symlink():
        return []
    wanted = {f".{n}." for n in names}
    removed = []
    for entry in os.scandir(directory):
        name = entry.name
        if not name.endswith(TEMP_SUFFIX) or not entry.is_file(follow_symlinks=False):
            continue
        stem = name[: -len(TEMP_SUFFIX)]
        prefix = stem[: stem.rfind(".") + 1] if "." in stem[1:] else ""
        if prefix in wanted:
            with suppress(FileNotFoundError):
                os.unlink(entry.path)  # noqa: PTH108
                removed.append(Path(entry.path))
    return removed


def _remove_temps(root: Path, paths: Iterable[str]) -> None:
    by_dir: dict[Path, set[str]] = {}
    for rel in paths:
        target = root / rel
        by_dir.setdefault(target.parent, set()).add(target.name)
    by_dir.setdefault(root, set()).add(MANIFEST)
    for directory, names in by_dir.items():
        remove_stale_temps(directory, names)


def _remove(root: Path, rel: str) -> None:
    target = root / rel
    target.unlink()
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


_NO_HEADER = "no longer generated, and has no generated-file header"
_NOT_REGULAR = "is not a regular file (a folder, link, FIFO or socket)"
_TOO_LARGE = "is larger than any file the workspace generates"
_NEVER_OVERWRITTEN = (
    "exists and was not generated by the workspace",
    _NOT_REGULAR,
    "no longer generated, and not a file",
    _NO_HEADER,
    _TOO_LARGE,
)
_CONFLICT_HINTS = {
    "edited by hand": "move the edit into config/ or the template, or re-run with --force to discard it",
    "no longer generated, and edited by hand": "delete it yourself, or re-run with --force",
    _NEVER_OVERWRITTEN[
        0
    ]: "the workspace never overwrites a file it did not generate: move it away",
    _NEVER_OVERWRITTEN[1]: "move it away",
    # Only the manifest says this folder (or FIFO...) was ever generated: a file never became
    # one by itself, and the manifest is a committed file a pull request can change.
    _NEVER_OVERWRITTEN[2]: "the workspace never generated a folder: if the manifest is wrong "
    f"(a bad merge or edit), restore it (git checkout HEAD -- {MANIFEST}); else move it away",
    _TOO_LARGE: f"the workspace generates no file over {MAX_GENERATED_BYTES} bytes: move it away",
    _NO_HEADER: "the workspace removes only files it generated: delete it yourself if it is "
    f"no longer wanted, else restore the manifest (git checkout HEAD -- {MANIFEST})",
}


def _conflict_problems(conflicts: list[Change]) -> list[Problem]:
    return [Problem(f"{c.path}: {c.reason}", hint=_CONFLICT_HINTS.get(c.reason)) for c in conflicts]


def _journal(comparison: Comparison) -> dict[str, ManifestEntry]:
    """The manifest entries that keep describing disk while the changes are applied."""
    journal: dict[str, ManifestEntry] = {}
    for change in comparison.changes:
        if change.action is Action.IDENTICAL:
            continue
        old = comparison.manifest.get(change.path)
        hashes = {h for h in (change.current, *(old.pending if old else ())) if h}
        if old is not None:
            hashes.add(old.sha256)
        if change.planned is not None:
            hashes.discard(change.planned.digest)
            journal[change.path] = ManifestEntry(
                change.planned.digest, change.planned.source, tuple(sorted(hashes))
            )
        elif old is not None:
            # to be deleted: listed until it is gone
            current = change.current or old.sha256
            journal[change.path] = ManifestEntry(
                current, old.source, tuple(sorted(hashes - {current}))
            )
    return journal


def apply_plan(root: Path, plan: RenderPlan, *, force: bool = False) -> ApplyReport:
    """Bring disk to ``plan``. Nothing is written when a conflict stands in the way."""
    root = root.resolve()
    comparison = compare(root, plan)
    conflicts = comparison.of(Action.CONFLICT)
    blocking = [c for c in conflicts if not force or c.reason in _NEVER_OVERWRITTEN]
    if blocking:
        raise RenderConflict(
            f"refusing to render: {len(blocking)} file(s) would be overwritten or removed",
            problems=_conflict_problems(blocking),
        )
    report = ApplyReport()
    changing = [c for c in comparison.changes if c.action is not Action.IDENTICAL]
    report.identical = len(comparison.changes) - len(changing)
    current = MANIFEST
    try:
        _remove_temps(root, [*plan.files, *comparison.manifest])
        if changing:
            atomic_write(root / MANIFEST, manifest_bytes(plan, _journal(comparison)))
        for change in changing:
            current = change.path
            if change.planned is not None:
                atomic_write(
                    root / change.path,
                    change.planned.content,
                    executable=change.planned.executable,
                )
                (report.created if change.action is Action.CREATE else report.updated).append(
                    change.path
                )
            else:
                _remove(root, change.path)
                report.deleted.append(change.path)
        current = MANIFEST
        if changing or not comparison.manifest_current:
            atomic_write(root / MANIFEST, comparison.new_manifest)
            report.manifest_written = True
    except OSError as exc:
        raise _write_error(current, exc) from None
    return report


def _diff(root: Path, change: Change) -> str:
    target = root / change.path
    # Only a regular file's own content is shown: never what a link or a device points at.
    readable = target.is_file() and not target.is_symlink()
    if change.reason == _TOO_LARGE:
        return ""  # nothing of it is shown: it was never read
    try:
        old = target.read_bytes().decode("utf-8", "replace") if readable else ""
    except OSError:
        old, readable = "", False
    new = change.planned.content.decode("utf-8", "replace") if change.planned else ""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{change.path} (on disk)" if readable else "/dev/null",
        tofile=f"b/{change.path} (rendered)" if change.planned else "/dev/null",
    )
    return "".join(lines)


def check_plan(root: Path, plan: RenderPlan) -> Comparison:
    """Raise :class:`StaleRender` with a unified diff of everything that differs from ``plan``."""
    comparison = compare(root, plan)
    drift = [c for c in comparison.changes if c.action is not Action.IDENTICAL]
    if not drift and comparison.manifest_current:
        return comparison
    problems = []
    for change in drift:
        label = {
            Action.CREATE: "missing",
            Action.UPDATE: change.reason,
            Action.DELETE: "extra (no longer generated)",
            Action.CONFLICT: change.reason,
        }[change.action]
        diff = _diff(root, change)
        problems.append(Problem(f"{change.path}: {label}" + (f"\n{diff}" if diff else "")))
    if not comparison.manifest_current:
        interrupted = any(e.pending for e in comparison.manifest.values())
        problems.append(
            Problem(
                f"{MANIFEST}: out of date"
                + (" (a render was interrupted part-way)" if interrupted else ""),
                hint="a plain `inv render` completes it" if interrupted else None,
            )
        )
    raise StaleRender(
        f"generated files are out of date: {len(problems)} difference(s)",
        hint="run `inv render` (add --force to discard hand edits)",
        problems=problems,
    )
