"""Ctrl-C at any moment of an ``inv`` command: it completes, or it exits 130 saying "interrupted".

The venv's own ``inv`` script (``avion_workspace.cli``, pyproject ``[project.scripts]``) is run
and interrupted at spread moments from its start: Python's start-up, invoke's import, tasks.py
discovery, a task's lazy imports and the task itself. The delays only vary the moment; no
assertion depends on when the signal lands. The one exception, asserted precisely: a signal that
lands before the script's first statement can install a handler (the interpreter's start-up, the
script's own imports) is Python's default, which no program can change; see
docs/decisions/0050-trust-boundaries.md.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import avion_workspace
import avion_workspace.cli
from tests.support import copy_rendered_workspace

pytestmark = pytest.mark.integration

INV = Path(sys.executable).with_name("inv")
CLI = Path(avion_workspace.cli.__file__).resolve()
PACKAGE_INIT = Path(avion_workspace.__file__).resolve()
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"]).resolve()
# The line of cli.main that installs the handler: a frame there or before it is start-up.
INSTALL_LINE = next(
    number
    for number, text in enumerate(CLI.read_text().splitlines(), 1)
    if "signal.signal(signal.SIGINT, on_interrupt)" in text
)
# Moments (seconds after the process is started) at which Ctrl-C arrives. Dense over the first
# quarter second (start-up, invoke, tasks.py), then through the task.
DELAYS = (
    *(i * 0.005 for i in range(12)),
    *(0.06 + i * 0.02 for i in range(10)),
    0.3,
    0.4,
    0.55,
    0.75,
    1.0,
)
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>-?\d+), in (?P<func>\S+)$')
STARTUP_LINES = ("Fatal Python error: init_", "Python runtime state: ")


def _script_calls_main(line: int) -> bool:
    lines = INV.read_text().splitlines()
    return 0 < line <= len(lines) and "main()" in lines[line - 1]


def before_the_handler(frames: list[tuple[str, int, str]]) -> bool:
    """True when every frame of a traceback ran before ``cli.main`` installed its handler: the
    interpreter's start-up (frozen importlib, site, codecs, ``.pth`` lines), the standard
    library the script imports first (``re``), the script's own lines up to the call of
    ``main``, ``avion_workspace/__init__.py`` and ``cli.py`` up to the handler. Never invoke,
    never tasks.py, never the engine."""
    for index, (file, line, func) in enumerate(frames):
        if file.startswith("<frozen ") or file == "<string>":  # exec'd `.pth` lines
            continue
        path = Path(file).resolve()
        if path == INV.resolve():
            if _script_calls_main(line) and not (
                index + 1 < len(frames) and Path(frames[index + 1][0]).resolve() == CLI
            ):
                return False
            continue
        if path == PACKAGE_INIT:
            continue
        if path == CLI:
            if func == "<module>" or (func == "main" and line <= INSTALL_LINE):
                continue
            return False
        if path.is_relative_to(STDLIB) and "site-packages" not in path.parts:
            continue
        # Start-up hooks in the venv (setuptools' editable finder and its .pth hook), never a
        # distribution's package such as invoke.
        if path.parent == SITE_PACKAGES or path.parent == SITE_PACKAGES / "_distutils_hack":
            continue
        return False
    return True


CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


def before_the_handler_traceback(lines: list[str]) -> bool:
    """``lines`` (blank lines dropped) are Python's traceback text, possibly chained, every frame
    of which precedes the handler."""
    frames = []
    for index, line in enumerate(lines):
        match = FRAME.match(line)
        if match:
            frames.append((match["file"], int(match["line"]), match["func"]))
            continue
        known = (
            line == "Traceback (most recent call last):"
            or line in CHAINED
            or line.startswith("    ")  # the source line under a frame, or its ^^^ marks
            # the exception during whose handling the interrupt came (KeyError: ...)
            or (index + 1 < len(lines) and lines[index + 1] in CHAINED)
        )
        if not known:
            return False
    return before_the_handler(frames)


def startup_death(returncode: int, out: str, err: str) -> bool:
    """Python's default for a signal before any handler of ours: death by SIGINT (or exit 1 when
    the interpreter was still initialising), nothing printed but its own traceback."""
    if returncode not in (-signal.SIGINT, 1) or out:
        return False
    lines = [line for line in err.splitlines() if line.strip()]
    if not lines:
        return returncode == -signal.SIGINT  # before Python even installed its handler
    if lines == ["KeyboardInterrupt"]:
        return True  # no Python frame at all: the interpreter's C start-up (exit 1 or death)
    initialising = lines[0].startswith(STARTUP_LINES[0])
    if initialising != (returncode == 1):
        return False
    # The interrupt itself, or what it broke while the interpreter was initialising (CPython
    # 3.11 can report a TypeError from the half-imported io module).
    if lines[-1] != "KeyboardInterrupt" and not initialising:
        return False
    return before_the_handler_traceback(
        [line for line in lines[:-1] if not line.startswith(STARTUP_LINES)]
    )


def without_swallowed_startup_interrupt(err: str) -> str | None:
    """``err`` without a leading "Exception ignored in: ... KeyboardInterrupt" block whose frames
    all precede the handler (Python's default raised the interrupt inside a weakref callback of
    the import system, which can only print it and carry on); ``None`` when such a block names
    a frame after the handler."""
    lines = err.splitlines()
    if not lines or not lines[0].startswith("Exception ignored in: "):
        return err
    end = next((i for i, line in enumerate(lines) if line.startswith("KeyboardInterrupt")), None)
    if end is None:
        return None
    block = [line for line in lines[1:end] if line.strip()]
    if not before_the_handler_traceback(block):
        return None
    return "".join(line + "\n" for line in lines[end + 1 :])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rendered_workspace(tmp_path_factory.mktemp("ctrl-c") / "ws")


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a task connecting to it blocks."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def interrupted_runs(
    args: list[str], cwd: Path, completed: Callable[[int, str, str], bool]
) -> list[tuple[float, int, str, str]]:
    """Runs ``inv ARGS`` once per delay, interrupting it; returns every run whose outcome is
    neither ``completed(returncode, out, err)``, nor exit 130 with exactly "interrupted", nor
    death before the handler. An interrupt Python swallowed before the handler existed (see
    :func:`without_swallowed_startup_interrupt`) leaves the run to complete or be interrupted
    like any other."""
    assert INV.is_file(), f"no inv script next to {sys.executable}"
    assert "avion_workspace.cli" in INV.read_text(), (
        f"{INV} is invoke's own script, not the workspace's: reinstall the workspace last "
        "(pip install --no-deps --force-reinstall -e .)"
    )
    failures = []
    for delay in DELAYS:
        proc = subprocess.Popen(
            [str(INV), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
        out, full_err = proc.communicate(timeout=120)
        code = proc.returncode
        err = without_swallowed_startup_interrupt(full_err)
        if err is None:
            failures.append((delay, code, out[-300:], full_err))
            continue
        if completed(code, out, err):
            continue
        if code == 130 and err == "interrupted\n":
            continue
        if startup_death(code, out, err):
            continue
        failures.append((delay, code, out[-300:], full_err))
    return failures


def test_ctrl_c_while_listing_tasks(sandbox: Path) -> None:
    reference = subprocess.run(
        [str(INV), "--list"], cwd=sandbox, capture_output=True, text=True, check=True
    ).stdout
    assert "render" in reference

    def completed(code: int, out: str, err: str) -> bool:
        # A signal during the interpreter's tear-down, once the command is complete, is ignored:
        # the real exit code stays (cli.main).
        return code == 0 and out == reference and err == ""

    assert interrupted_runs(["--list"], sandbox, completed) == []


def test_ctrl_c_while_a_task_renders(sandbox: Path) -> None:
    def completed(code: int, out: str, err: str) -> bool:
        return code == 0 and "render check OK" in out and err == ""

    assert interrupted_runs(["render", "--check"], sandbox, completed) == []


def test_ctrl_c_while_a_task_waits_for_a_database(
    sandbox: Path, tmp_path: Path, silent_server: int
) -> None:
    """``migrate.status`` blocks connecting to a server that never answers: every run is
    interrupted (or, on a machine too loaded to send the signal in ten seconds, gives up with
    its own connection error)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text(
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n"
    )
    dsn = f"postgresql://avion:secret@127.0.0.1:{silent_server}/avion"

    def completed(code: int, out: str, err: str) -> bool:
        return code == 1 and err.startswith("error: cannot connect to") and "Traceback" not in err

    args = ["migrate.status", "--dir", str(folder), "--dsn", dsn]
    assert interrupted_runs(args, sandbox, completed) == []


def test_ctrl_c_while_invoke_parses_and_loads_tasks_exits_130(tmp_path: Path) -> None:
    """Deterministic: the signal arrives right after the task namespace is built, before any
    task runs (invoke alone exits 1 there)."""
    script = (
        "import os, signal, time\n"
        "from invoke.main import program\n"
        "from avion_workspace.tasks import build_namespace\n"
        "build_namespace()\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(60)\n"
        "raise SystemExit(0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "interrupted"


def test_the_start_up_exception_is_precise() -> None:
    """The classifier above accepts a traceback from the interpreter's start-up and refuses one
    from invoke, tasks.py or the engine, or from cli.main after its handler is installed."""
    site = '  File "<frozen site>", line 616, in <module>\n'
    importlib_frame = '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load\n'
    script = f'  File "{INV}", line 3, in <module>\n    import re\n'
    re_frame = f'  File "{STDLIB / "re" / "__init__.py"}", line 124, in <module>\n'
    tb = "Traceback (most recent call last):\n"
    fatal = "Fatal Python error: init_import_site: Failed to import the site module\n"
    fatal += "Python runtime state: initialized\n"
    assert startup_death(1, "", fatal + tb + importlib_frame + site + "KeyboardInterrupt\n")
    assert startup_death(-signal.SIGINT, "", tb + script + re_frame + "KeyboardInterrupt\n")
    assert startup_death(-signal.SIGINT, "", "")
    main_call = next(
        n for n, text in enumerate(INV.read_text().splitlines(), 1) if "main()" in text
    )
    calling = f'  File "{INV}", line {main_call}, in <module>\n'
    at_install = f'  File "{CLI}", line {INSTALL_LINE}, in main\n'
    assert startup_death(-signal.SIGINT, "", tb + calling + at_install + "KeyboardInterrupt\n")
    after_install = f'  File "{CLI}", line {INSTALL_LINE + 1}, in main\n'
    invoke_frame = f'  File "{SITE_PACKAGES / "invoke" / "program.py"}", line 391, in run\n'
    for bad in (after_install, after_install + invoke_frame):
        assert not startup_death(-signal.SIGINT, "", tb + calling + bad + "KeyboardInterrupt\n")
    assert not startup_death(-signal.SIGINT, "", tb + calling + "KeyboardInterrupt\n")
    assert not startup_death(1, "", tb + importlib_frame + "KeyboardInterrupt\n")  # no "Fatal"
    assert startup_death(1, "", "KeyboardInterrupt\n")
    broken_io = fatal + tb + importlib_frame + "TypeError: expected a message argument\n"
    assert startup_death(1, "", broken_io)
    assert not startup_death(-signal.SIGINT, "", tb + importlib_frame + "TypeError: x\n")
    assert not startup_death(-signal.SIGINT, "Available tasks:", tb + site + "KeyboardInterrupt\n")
    ignored = "Exception ignored in: <function _get_module_lock.<locals>.cb at 0x7f>\n" + tb
    rest = "error: cannot connect\n"
    swallowed = ignored + script + re_frame + importlib_frame + "KeyboardInterrupt: \n" + rest
    assert without_swallowed_startup_interrupt(swallowed) == rest
    late = ignored + calling + after_install + importlib_frame + "KeyboardInterrupt: \n" + rest
    assert without_swallowed_startup_interrupt(late) is None
    assert without_swallowed_startup_interrupt(rest) == rest


@pytest.mark.parametrize(
    "command", [["--list"], ["tools.list"], ["config.show", "--env", "local"]], ids=" ".join
)
def test_a_reader_that_went_away_is_no_traceback(sandbox: Path, command: list[str]) -> None:
    """``inv --list | head -1``, ``inv config.show | head -1``: the pipe's reader is gone before
    inv writes (closed here before inv starts, so the outcome does not depend on timing); invoke's
    output and a task's alike."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(INV), *command],
            cwd=sandbox,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")
