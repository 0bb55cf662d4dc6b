"""Readiness: run every dependency check concurrently, each within a timeout, and report.

``/readyz`` answers 200 only when every check passes, 503 naming the ones that failed; the
server also turns the result into the gRPC health status (SERVING only when ready).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

Probe = Callable[[], Awaitable[None]]
MAX_DETAIL = 300


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    duration_ms: float


@dataclass(frozen=True)
class ReadinessReport:
    results: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(result.name for result in self.results if not result.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "unavailable",
            "failed": list(self.failed),
            "checks": {
                result.name: {
                    "ok": result.ok,
                    "detail": result.detail,
                    "duration_ms": result.duration_ms,
                }
                for result in self.results
            },
        }


class Readiness:
    """Runs ``probes``; the latest report stays available (metrics read it)."""

    def __init__(self, probes: Mapping[str, Probe], *, timeout: float) -> None:
        self._probes = dict(probes)
        self._timeout = timeout
        self.last: ReadinessReport | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._probes)

    async def check(self) -> ReadinessReport:
        results = await asyncio.gather(
            *(self._run(name, probe) for name, probe in self._probes.items())
        )
        self.last = ReadinessReport(tuple(results))
        return self.last

    async def _run(self, name: str, probe: Probe) -> CheckResult:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(probe(), self._timeout)
        except TimeoutError:
            ok, detail = False, f"no answer within {self._timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; detail says which
            ok, detail = False, describe(exc)
        else:
            ok, detail = True, "ok"
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        return CheckResult(name, ok, detail, duration_ms)


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line, bounded (messages never carry passwords here)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."
