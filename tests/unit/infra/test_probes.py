"""Readiness waiting: retried with growing delays up to a deadline, never a fixed sleep."""

from __future__ import annotations

from pathlib import Path

import pytest

from avion_workspace.infra.errors import InfraError, NotReady
from avion_workspace.infra.probes import Retry, http_health_probe, wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(times: int, error: BaseException) -> tuple[list[int], object]:
    calls: list[int] = []

    def probe() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "ready"

    return calls, probe


def test_returns_the_probe_value_once_it_answers_with_growing_delays() -> None:
    clock = Clock()
    calls, probe = failing(4, ConnectionRefusedError("refused"))
    value = wait_until(
        "redis",
        probe,
        retry=Retry(timeout=10, first_delay=0.01, max_delay=0.05),
        clock=clock.time,
        sleep=clock.sleep,
    )  # type: ignore[arg-type]
    assert value == "ready"
    assert len(calls) == 5
    assert clock.sleeps == [0.01, 0.02, 0.04, 0.05]


def test_times_out_with_the_last_answer_and_a_hint(tmp_path: Path) -> None:
    clock = Clock()
    _, probe = failing(10_000, ConnectionRefusedError("connection refused"))
    with pytest.raises(NotReady) as caught:
        wait_until(
            "s3",
            probe,
            retry=Retry(timeout=2, first_delay=0.1, max_delay=0.5),
            clock=clock.time,
            sleep=clock.sleep,
            log=tmp_path / "s3.log",
        )  # type: ignore[arg-type]
    message = caught.value.message
    assert message.startswith("s3 was not ready after 2s (")
    assert message.endswith("probes); last answer: ConnectionRefusedError: connection refused")
    assert "inv infra.logs s3" in (caught.value.hint or "")
    assert clock.now <= 2.0


def test_a_server_that_exits_is_reported_at_once_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "redis.log"
    log.write_text("booting\nFATAL: bad config line 3\n")
    clock = Clock()
    _, probe = failing(10_000, ConnectionRefusedError("refused"))
    with pytest.raises(InfraError) as caught:
        wait_until(
            "redis", probe, alive=lambda: False, log=log, clock=clock.time, sleep=clock.sleep
        )  # type: ignore[arg-type]
    assert "redis exited while starting" in caught.value.message
    assert caught.value.message.endswith("FATAL: bad config line 3")
    assert clock.sleeps == []


def test_unexpected_errors_are_not_swallowed() -> None:
    clock = Clock()
    _, probe = failing(1, KeyError("bug"))
    with pytest.raises(KeyError):
        wait_until("x", probe, clock=clock.time, sleep=clock.sleep)  # type: ignore[arg-type]


def test_http_probe_on_a_closed_port_raises_connection_error() -> None:
    from avion_workspace.infra.ports import free_port

    with pytest.raises(ConnectionError):
        http_health_probe(f"http://127.0.0.1:{free_port()}/health")()
