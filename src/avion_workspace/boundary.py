"""The task boundary: the one place engine errors become output and exit codes.

1 for a user error (:class:`AvionError`), 130 for Ctrl-C, 3 for anything unexpected with a
short "please report" line and the traceback written to a log file. Output whose reader went
away (``inv config.show | head -1``) ends the command quietly with 1, as the ``inv`` script does
for invoke's own output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from avion_workspace.errors import USER_ERRORS

T = TypeVar("T")

EXIT_USER_ERROR = 1
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


class BoundaryExit(SystemExit):
    """Raised by :func:`guarded` with the exit code; invoke and plain scripts both honour it."""


# Secrets (passwords of DSNs given on the command line...) masked in everything printed here.
_SECRETS: set[str] = set()
MASK = "***"


def register_secret(secret: str) -> None:
    """Mask ``secret`` in every message and crash log the boundary writes from now on."""
    if secret:
        _SECRETS.add(secret)


def mask(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _emit(text: str) -> None:
    print(mask(text), file=sys.stderr)


def _crash_log(exc: BaseException) -> Path:
    fd, name = tempfile.mkstemp(prefix="avion-crash-", suffix=".log")
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(mask("".join(traceback.format_exception(exc))))
    return Path(name)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn errors into a message on stderr and a :class:`BoundaryExit`."""
    try:
        return action()
    except USER_ERRORS as exc:
        _emit(exc.render())
        raise BoundaryExit(exc.exit_code) from None
    except KeyboardInterrupt:
        _emit("interrupted")
        raise BoundaryExit(EXIT_INTERRUPTED) from None
    except (SystemExit, BoundaryExit):
        raise
    except BrokenPipeError as exc:
        if not _reader_gone(sys.stdout):
            _report_bug(exc)  # a pipe to a child process: not the user's doing
        # Nothing left to say to the reader. Python would report the same error again when it
        # flushes stdout at exit, so stdout goes to /dev/null first (the recipe in Python's
        # signal module documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise BoundaryExit(EXIT_USER_ERROR) from None
    except OSError as exc:
        message = environment_failure(exc)
        if message is None:
            _report_bug(exc)
        _emit(message)
        raise BoundaryExit(EXIT_USER_ERROR) from None
    except Exception as exc:  # noqa: BLE001 - the boundary is the one place that catches all
        _report_bug(exc)


# Errors of the machine, never of the workspace: a full disk or quota (also behind
# "> /dev/full"), a file too large for the file system, a failing device or a hung-up terminal.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def environment_failure(exc: OSError) -> str | None:
    """The message for ``exc`` when the machine is at fault (see above), else ``None``.

    Standard output may be what failed (``inv config.show > /dev/full``): what it still
    buffers is dropped, so that Python's flush at exit does not report it a second time."""
    if exc.errno not in _ENVIRONMENT_ERRNOS:
        return None
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    where = f" ({exc.filename})" if exc.filename else ""
    return f"error: {exc.strerror or exc}{where}"


def _report_bug(exc: Exception) -> NoReturn:
    log = _crash_log(exc)
    _emit(
        f"unexpected error: {type(exc).__name__}: {exc}\n"
        f"This is a bug in the workspace; please report it with the log at {log}"
    )
    raise BoundaryExit(EXIT_UNEXPECTED) from None


def _reader_gone(stream: object) -> bool:
    """Whether the pipe or socket ``stream`` writes to has lost its reader."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
