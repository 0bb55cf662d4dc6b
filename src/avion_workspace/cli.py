"""``inv`` and ``invoke``: invoke's own command, with Ctrl-C → exit 130 at any moment.

invoke's console script imports invoke and then discovers ``tasks.py`` (about 0.1 to 0.2 s) before
any workspace code runs; a Ctrl-C there gave Python's ``KeyboardInterrupt`` traceback. The
workspace installs its own ``bin/inv`` (a shell script, pyproject ``script-files``) that starts
Python with SIGINT *blocked* (GNU ``env --block-signal``) and runs :func:`main`, which installs the
handler and only then unblocks the signal: a Ctrl-C during the interpreter's start-up waits,
pending, and then exits 130 like any other. invoke's own ``program`` then runs unchanged, so task
discovery, ``-c``, ``-r`` and every other invoke behaviour are invoke's. Once ``tasks.py``
imports :mod:`avion_workspace.tasks`, that module's handler takes over (it also lets a running
task clean up). See docs/decisions/0050-trust-boundaries.md.

Only ``os``, ``signal`` and ``sys`` are imported here (not even ``typing``), and
``avion_workspace/__init__.py`` imports nothing: without ``env --block-signal`` (not GNU) both
load before the handler exists.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # not typing's: importing typing alone takes a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

EXIT_INTERRUPTED = 130


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001, S110 - a closed, broken or busy stream must not keep us alive
            pass


def exit_interrupted() -> NoReturn:
    """Leave at once with the conventional code, after flushing what was printed.

    ``os._exit``: a plain ``SystemExit`` is not enough, as CPython 3.11 turns any exit into death
    by SIGINT once a ``KeyboardInterrupt`` has passed through code run by ``exec`` (dataclasses,
    attrs), and nothing is left to clean up by the time this is called.
    """
    _flush()
    os._exit(EXIT_INTERRUPTED)


def on_interrupt(signum: int, frame: object) -> None:
    """SIGINT while nothing needs cleaning up (start-up, parsing, loading): say so, exit 130.

    The word goes straight to file descriptor 2: the signal may have arrived in the middle of a
    write to ``sys.stderr``, whose buffer then refuses a reentrant call.
    """
    try:
        _flush()
        os.write(2, b"interrupted\n")
    finally:
        os._exit(EXIT_INTERRUPTED)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main() -> None:
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_interrupt)
    # else ignored by whoever started us (a script's background job, a wrapper that shields
    # its child): it stays ignored, as Python itself leaves it, and Ctrl-C is not for us.
    # bin/inv started Python with SIGINT blocked: one that came meanwhile is delivered now, to
    # the handler above. The children the command starts inherit the unblocked mask.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # Registered first, so it runs last at exit: after threads are joined and every other exit
    # function ran, the command is complete. The interpreter's tear-down that follows restores
    # the default handler for a Python one (a Ctrl-C there would kill the process by SIGINT and
    # lose the real exit code), but leaves an ignored signal ignored.
    import atexit

    atexit.register(_ignore_interrupts)
    from invoke.main import program

    run_program(program.run)


def run_program(run: Callable[[], object]) -> None:
    """``run`` (an invoke program) with its output's failures as one line each, not tracebacks:
    a reader gone (exit 1, quietly), a full disk (exit 1, saying so), no stdout at all."""
    _open_closed_streams()
    try:
        run()
    except BrokenPipeError:
        # The reader went away (`inv --list | head -1`): nothing left to say to it. Python would
        # print a traceback, and again when it flushes stdout at exit, so stdout goes to
        # /dev/null first (the recipe in Python's signal module documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:  # invoke's own output (--list, --help) to a full disk, /dev/full
        from avion_workspace.boundary import environment_failure

        message = environment_failure(exc)
        if message is None:
            raise
        sys.exit(message)


def _open_closed_streams() -> None:
    """A standard stream the command was started without (``inv config.show >&-``) is None in
    Python, and every print to it an AttributeError: it writes to /dev/null instead."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process


if __name__ == "__main__":
    main()
