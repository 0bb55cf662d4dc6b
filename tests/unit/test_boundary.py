"""The task boundary: user errors exit 1 with their text, the unexpected exits 3 with a log."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.boundary import BoundaryExit, guarded
from avion_workspace.errors import AvionError, Location, Problem


def test_user_error_exits_1_with_message_and_hint(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> None:
        raise AvionError(
            "bad thing", hint="do this", problems=[Problem("p", Location("f.yaml", 2, 3), "$.a")]
        )

    with pytest.raises(BoundaryExit) as info:
        guarded(fail)
    assert info.value.code == 1
    assert capsys.readouterr().err == "f.yaml:2:3: $.a: p\nerror: bad thing\nhint: do this\n"


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(BoundaryExit) as info:
        guarded(interrupt)
    assert info.value.code == 130


def test_unexpected_error_exits_3_and_logs_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def crash() -> None:
        raise ZeroDivisionError("boom")

    with pytest.raises(BoundaryExit) as info:
        guarded(crash)
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "unexpected error: ZeroDivisionError: boom" in err
    assert "Traceback" not in err
    log = Path(err.rsplit("log at ", 1)[1].strip())
    assert "ZeroDivisionError" in log.read_text()
    log.unlink()


def test_value_passes_through() -> None:
    assert guarded(lambda: 42) == 42


def test_output_whose_reader_went_away_ends_quietly_with_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``inv config.show | head -1``: the task's print fails once the reader is gone."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    pipe = os.fdopen(write_end, "w")
    monkeypatch.setattr("sys.stdout", pipe)

    def chatty() -> None:
        for _ in range(10_000):
            print("line of output")

    try:
        with pytest.raises(BoundaryExit) as info:
            guarded(chatty)
        pipe.write("x" * 100_000)
        pipe.flush()  # what Python does at exit: stdout now goes nowhere, quietly
    finally:
        pipe.close()
    assert info.value.code == 1
    assert capsys.readouterr().err == ""


def test_a_broken_pipe_to_another_program_is_still_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def write_to_a_dead_child() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BoundaryExit) as info:
        guarded(write_to_a_dead_child)
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "unexpected error: BrokenPipeError" in err
    Path(err.rsplit("log at ", 1)[1].strip()).unlink()


def test_a_full_disk_is_the_machines_error_not_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``inv config.show > /dev/full``, or a full disk anywhere: exit 1 saying so (was exit 3,
    "this is a bug"), and nothing reported again when Python flushes stdout at exit."""
    full = open("/dev/full", "w")  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdout", full)

    def chatty() -> None:
        for _ in range(10_000):
            print("line of output")

    try:
        with pytest.raises(BoundaryExit) as info:
            guarded(chatty)
        full.flush()  # what Python does at exit
    finally:
        full.close()
    assert info.value.code == 1
    assert capsys.readouterr().err == "error: No space left on device\n"


def test_another_os_error_is_still_a_bug(capsys: pytest.CaptureFixture[str]) -> None:
    def crash() -> None:
        raise PermissionError(13, "Permission denied", "/somewhere")

    with pytest.raises(BoundaryExit) as info:
        guarded(crash)
    assert info.value.code == 3
    err = capsys.readouterr().err
    Path(err.rsplit("log at ", 1)[1].strip()).unlink()
