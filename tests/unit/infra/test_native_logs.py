"""``infra.logs`` on the native backend: only the tail of a regular log file inside the
workspace is read; links, FIFOs and devices are refused without blocking; --lines is checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.native import NativeBackend
from avion_workspace.infra.stack import MAX_LOG_TAIL_BYTES, Credentials
from avion_workspace.localenv import credential_names

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform() -> Platform:
    return load_platform(ROOT / "config")


@pytest.fixture
def backend(tmp_path: Path, platform: Platform) -> NativeBackend:
    creds = Credentials.of(dict.fromkeys(credential_names(platform), "x"))
    (tmp_path / "ws/.avion/redis").mkdir(parents=True)
    return NativeBackend(tmp_path / "ws", platform, creds, tools_root=tmp_path / "tools")


def log(backend: NativeBackend) -> Path:
    return backend.root / ".avion/redis/redis.log"


def test_the_last_lines_of_a_regular_log(backend: NativeBackend) -> None:
    log(backend).write_text("".join(f"line {n}\n" for n in range(1, 11)))
    assert backend.logs("redis", 3) == "line 8\nline 9\nline 10"
    assert backend.logs("redis", 1) == "line 10"
    assert backend.logs("redis", 50).splitlines()[0] == "line 1"


def test_a_missing_log_is_empty(backend: NativeBackend) -> None:
    assert backend.logs("s3", 5) == ""


def test_a_large_log_is_read_from_its_tail_only(backend: NativeBackend) -> None:
    with log(backend).open("w") as handle:
        handle.write("x" * (MAX_LOG_TAIL_BYTES + 10) + "\nlast\n")
    assert backend.logs("redis", 1) == "last"


@pytest.mark.parametrize("lines", [0, -1, 10**9])
def test_lines_must_be_a_sane_positive_count(backend: NativeBackend, lines: int) -> None:
    log(backend).write_text("a\nb\n")
    with pytest.raises(AvionError) as caught:
        backend.logs("redis", lines)
    assert caught.value.exit_code == 1
    assert "--lines" in str(caught.value)
    assert caught.value.hint


@pytest.mark.parametrize("kind", ["env-link", "devzero", "fifo", "linked-folder"])
def test_a_log_that_is_not_a_regular_file_inside_is_refused(
    backend: NativeBackend, tmp_path: Path, kind: str
) -> None:
    secret = "REDIS_PASSWORD=TOP-SECRET"  # pragma: allowlist secret
    (backend.root / ".env").write_text(secret + "\n")
    if kind == "env-link":
        log(backend).symlink_to("../../.env")
    elif kind == "devzero":
        log(backend).symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(log(backend))  # a read would block forever
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "redis.log").write_text(secret + "\n")
        (backend.root / ".avion/redis").rmdir()
        (backend.root / ".avion/redis").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(AvionError) as caught:
        backend.logs("redis", 5)
    text = caught.value.render()
    assert "TOP-SECRET" not in text
    assert ".avion/redis" in text
    assert caught.value.exit_code == 1
    assert caught.value.hint
