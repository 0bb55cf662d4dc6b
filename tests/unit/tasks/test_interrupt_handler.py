"""The task layer's Ctrl-C handler, each case in its own interpreter (the handler is process-wide)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

AS_THE_INV_COMMAND = """
import signal, weakref
import invoke.main  # as under the inv command
import avion_workspace.tasks as tasks
tasks._in_task = True  # as while a task body runs
"""


def run(body: str) -> subprocess.CompletedProcess[str]:
    script = AS_THE_INV_COMMAND + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )


def test_an_interrupt_swallowed_by_a_weakref_callback_still_ends_the_command() -> None:
    """A Ctrl-C whose KeyboardInterrupt lands in a callback Python cannot raise from ("Exception
    ignored in ...") does not let the task go on: exit 130, "interrupted", no traceback."""
    result = run(
        """
        class Thing:
            pass

        def callback(ref):
            signal.raise_signal(signal.SIGINT)  # the handler runs here, inside the callback

        thing = Thing()
        ref = weakref.ref(thing, callback)
        try:
            del thing
            for _ in range(1000):
                pass
            print("the task went on")
        except KeyboardInterrupt:
            print("unwound")
        """
    )
    assert (result.returncode, result.stdout, result.stderr) == (130, "", "interrupted\n")


def test_other_unraisable_exceptions_are_still_reported() -> None:
    result = run(
        """
        class Thing:
            def __del__(self):
                raise ValueError("from a finalizer")

        Thing()
        print("done")
        """
    )
    assert result.stdout == "done\n"
    assert "ValueError: from a finalizer" in result.stderr


@pytest.mark.parametrize("in_task", [True, False])
def test_outside_a_task_the_interrupt_exits_130_at_once(in_task: bool) -> None:
    result = run(
        f"""
        tasks._in_task = {in_task}
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            print("raised for the task to clean up")
        """
    )
    if in_task:
        assert (result.returncode, result.stdout) == (0, "raised for the task to clean up\n")
    else:
        assert (result.returncode, result.stderr) == (130, "interrupted\n")


@pytest.mark.parametrize(
    ("prelude", "installed"),
    [
        ("import invoke.main", True),  # inv, invoke, python -m invoke
        (  # the avion script: no invoke.main, but its first statement installed cli's handler
            "from avion_workspace.cli import on_interrupt\n"
            "signal.signal(signal.SIGINT, on_interrupt)",
            True,
        ),
        ("", False),  # a program that merely imports the tasks keeps its own handler
        # started with SIGINT ignored (a script's background job): it stays ignored
        ("import invoke.main\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", False),
    ],
)
def test_the_task_handler_is_installed_only_under_a_command(prelude: str, installed: bool) -> None:
    script = (
        f"import signal\n{prelude}\nimport avion_workspace.tasks as tasks\n"
        "print(signal.getsignal(signal.SIGINT) is tasks._on_interrupt)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.stdout == f"{installed}\n", result.stderr
