"""The task boundary: the one place engine errors become output and exit codes.

1 for a user error (:class:`AvionError`), 130 for Ctrl-C, 3 for anything unexpected with a
short "please report" line and the traceback written to a log file.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from avion_workspace.errors import USER_ERRORS

T = TypeVar("T")

EXIT_USER_ERROR = 1
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


class BoundaryExit(SystemExit):
    """Raised by :func:`guarded` with the exit code; invoke and plain scripts both honour it."""


def _crash_log(exc: BaseException) -> Path:
    fd, name = tempfile.mkstemp(prefix="avion-crash-", suffix=".log")
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write("".join(traceback.format_exception(exc)))
    return Path(name)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn errors into a message on stderr and a :class:`BoundaryExit`."""
    try:
        return action()
    except USER_ERRORS as exc:
        print(exc.render(), file=sys.stderr)
        raise BoundaryExit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise BoundaryExit(EXIT_INTERRUPTED) from None
    except (SystemExit, BoundaryExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary is the one place that catches all
        log = _crash_log(exc)
        print(
            f"unexpected error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in the workspace; please report it with the log at {log}",
            file=sys.stderr,
        )
        raise BoundaryExit(EXIT_UNEXPECTED) from None
