"""The one policy for every file the engine writes, deletes or reads back, and bounded reads.

A path the engine acts on must be:

- relative to the workspace root (POSIX style, no empty, ``.`` or ``..`` parts, no control
  characters or backslashes);
- inside the workspace, never under a ``.git`` folder (at any depth);
- reached through real folders only: no existing parent of it may be a symbolic link, so a
  write can never land outside the repository through a linked folder.

Paths that come from outside the engine (the committed render manifest, ``--dir``) are checked
with :func:`check_relative` / :func:`safe_target` before anything is read, written or deleted;
``--force`` never overrides this policy.

Reads of user files go through :func:`read_regular`: regular files only (a folder, FIFO,
socket or device is refused without blocking) and bounded by the bytes actually read, so a
``/dev/zero`` link or a growing file cannot exhaust memory.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from avion_workspace.errors import AvionError, Location, Problem


class UnsafePath(AvionError):
    """A path breaks the workspace path policy; nothing was read, written or deleted."""


class UnreadableFile(AvionError):
    """A user file is not a readable regular file of a sane size."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# One pass for the common case: non-empty parts of ordinary characters, none of them ``.``,
# ``..`` or ``.git`` (in any case). Anything else (surrogates included) takes the slow path,
# which names the reason.
_PLAIN_RELATIVE = re.compile(
    r"(?!(?:\.{1,2}|\.[gG][iI][tT])(?:/|$))[^/\\\x00-\x1f\x7f\ud800-\udfff]+"
    r"(?:/(?!(?:\.{1,2}|\.[gG][iI][tT])(?:/|$))[^/\\\x00-\x1f\x7f\ud800-\udfff]+)*"
)


def policy_violation(rel: str) -> str | None:
    """Why the repository-relative ``rel`` breaks the policy (syntax only), or ``None``."""
    if isinstance(rel, str) and _PLAIN_RELATIVE.fullmatch(rel):
        return None
    return _violation(rel)


def _violation(rel: str) -> str | None:
    """:func:`policy_violation` rule by rule (the fast path never accepts what this refuses)."""
    if not isinstance(rel, str) or not rel:
        return "is empty"
    if _CONTROL.search(rel):
        return "contains a control character"
    try:
        os.fsencode(rel)  # a lone surrogate from JSON's "\\ud800": no file can have that name
    except UnicodeError:
        return "is not a valid file name"
    if "\\" in rel:
        return "contains a backslash"
    if rel.startswith("/"):
        return "is absolute"
    parts = rel.split("/")
    if any(p in ("", ".") for p in parts):
        return "is not a normalised relative path"
    if ".." in parts:
        return "leaves the workspace (..)"
    if any(p.lower() == ".git" for p in parts):
        return "is under .git"
    return None


def check_relative(rel: str, *, where: Location | None = None, what: str = "path") -> str:
    """Return ``rel`` when it is a policy-conforming relative path; raise :class:`UnsafePath`."""
    reason = policy_violation(rel)
    if reason is not None:
        raise UnsafePath(
            f"{what} {rel!r} {reason}; refusing to touch it",
            problems=[Problem(f"{what} {rel!r} {reason}", where)],
            hint="only repository-relative paths inside the workspace, outside .git, are used",
        )
    return rel


def linked_parent(root: Path, rel: str, seen: dict[str, Path | None] | None = None) -> Path | None:
    """The first existing folder on the way from ``root`` to ``rel`` that is a link, if any.

    ``seen`` memoises folders already checked (a render checks hundreds of paths that share
    a few dozen folders).
    """
    folder = rel.rpartition("/")[0]
    if not folder:
        return None
    if seen is not None and folder in seen:
        return seen[folder]
    found = linked_parent(root, folder, seen)
    if found is None:
        current = root / folder
        if current.is_symlink():
            found = current
    if seen is not None:
        seen[folder] = found
    return found


def safe_target(
    root: Path,
    rel: str,
    *,
    where: Location | None = None,
    what: str = "path",
    seen: dict[str, Path | None] | None = None,
    folder: bool = False,
) -> Path:
    """``root / rel`` after checking the whole policy, including linked parent folders.

    ``folder``: ``rel`` is a folder the caller writes into, so it must not be a link itself
    either (a linked final folder would take every write inside it elsewhere).
    """
    check_relative(rel, where=where, what=what)
    link = linked_parent(root, rel, seen)
    if link is None and folder and (root / rel).is_symlink():
        link = root / rel
    if link is not None:
        raise UnsafePath(
            f"{what} {rel!r} goes through the linked folder {link.relative_to(root)}; "
            "refusing to touch it",
            problems=[Problem(f"{what} {rel!r} is reached through a symbolic link", where)],
            hint="the workspace writes only through real folders: replace the link with a folder",
        )
    return root / rel


def relative_inside(root: Path, path: Path, *, what: str = "path", folder: bool = False) -> str:
    """``path`` (absolute or relative to the working directory) as a policy-checked relative
    path under ``root``; raise :class:`UnsafePath` when it is outside. ``folder`` as in
    :func:`safe_target`."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    absolute = Path(os.path.normpath(absolute))
    root = Path(os.path.normpath(root.resolve()))
    try:
        rel = absolute.relative_to(root).as_posix()
    except ValueError:
        # ``root`` itself may be reached through a link (e.g. /tmp on some systems).
        try:
            rel = absolute.resolve().relative_to(root).as_posix()
        except ValueError:
            raise UnsafePath(
                f"{what} {path} is outside the workspace {root}; refusing to touch it",
                hint="name a folder inside the workspace",
            ) from None
    if rel == ".":
        raise UnsafePath(f"{what} {path} is the workspace root itself; refusing to touch it")
    safe_target(root, rel, what=what, folder=folder)
    return rel


def _open_for_reading(path: Path, flags: int, name: str) -> int:
    """``os.open`` for the bounded readers, its failures as located errors."""
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFile(
            f"{name}: file not found", problems=[Problem("file not found", Location(name))]
        ) from None
    except OSError as exc:
        raise _unreadable(name, exc.strerror or type(exc).__name__) from None


def _read_upto(fd: int, size: int, limit: int) -> bytes | None:
    """``fd``'s bytes to its end, or ``None`` as soon as there are more than ``limit``.

    The bytes actually read are counted (a size reported by ``stat`` is not trusted); ``size``
    only sizes the first read, so a file whose size is right takes one read and one at its end.
    """
    chunks: list[bytes] = []
    total = 0
    want = min(size, limit) + 1
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
        want = min(65536, limit + 1 - total)


def read_regular_at(target: str, *, limit: int) -> tuple[int, bytes | None] | None:
    """(mode, content) of the regular file at ``target`` itself; ``None`` when it is a link, a
    folder, a FIFO, a socket or a device; content ``None`` when it holds more than ``limit``
    bytes (never read into memory). Opened without following a link or blocking on a FIFO.

    For the engine's own many small reads (a render's compare): a path string, no pathlib, and
    a missing or unreadable file raises ``OSError`` for the caller to word.
    """
    try:
        fd = os.open(target, _NO_FOLLOW_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):  # the name is a link; a socket
            return None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > limit:
            return info.st_mode, None
        return info.st_mode, _read_upto(fd, info.st_size, limit)
    finally:
        os.close(fd)


_NO_FOLLOW_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def read_regular(path: Path, *, limit: int, source: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Refuses, without blocking, anything that is not a regular file; counts the bytes actually
    read (a size reported by ``stat`` is not trusted). Errors are located at ``source``.
    """
    name = source or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = _open_for_reading(path, flags, name)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(name, f"is {_kind(info.st_mode)}, not a regular file")
        data = _read_upto(fd, info.st_size, limit)
        if data is None:
            raise _unreadable(name, f"is larger than the {limit} bytes allowed")
        return data
    except BlockingIOError:
        raise _unreadable(name, "cannot be read without blocking") from None
    except OSError as exc:
        raise _unreadable(name, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)


def read_regular_tail(path: Path, *, limit: int, source: str | None = None) -> bytes:
    """The last ``limit`` bytes (at most) of the regular file ``path`` itself, never a link.

    For logs, which may be large: only the tail is read. Refuses, without blocking, a link,
    folder, FIFO, socket or device; reads no more than ``limit`` bytes whatever the file claims.
    """
    name = source or str(path)
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_NOFOLLOW", 0)
    )
    if path.is_symlink():
        raise _unreadable(name, "is a symbolic link, not a regular file")
    fd = _open_for_reading(path, flags, name)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(name, f"is {_kind(info.st_mode)}, not a regular file")
        os.lseek(fd, max(0, info.st_size - limit), os.SEEK_SET)
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            chunk = os.read(fd, min(65536, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    except BlockingIOError:
        raise _unreadable(name, "cannot be read without blocking") from None
    except OSError as exc:
        raise _unreadable(name, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)


# Parsed JSON documents nest at most this deep: Python's parser (and every recursive walk of
# the result) would otherwise die of RecursionError on a file of ``[[[[...``.
MAX_JSON_DEPTH = 200
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> tuple[int, int] | None:
    """Where (line, column, 1-based) ``text`` first nests JSON arrays/objects deeper than
    ``limit``, or ``None``. Brackets inside strings do not count; the text need not be valid."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                at = token.start()
                line = text.count("\n", 0, at) + 1
                return line, at - (text.rfind("\n", 0, at) + 1) + 1
        elif char in "]}":
            depth -= 1
    return None


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _unreadable(name: str, reason: str) -> UnreadableFile:
    text = f"it {reason}" if reason.startswith("is ") else reason
    return UnreadableFile(
        f"cannot read {name}: {text}",
        problems=[Problem(text, Location(name))],
        hint="point at a regular file (replace the folder, pipe or link with the real file)",
    )
