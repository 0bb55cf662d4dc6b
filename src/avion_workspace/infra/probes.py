"""Readiness probes: a real request to each server, retried with backoff until a deadline.

Nothing here sleeps a fixed time: a probe is retried with a short, growing delay until it
answers, the deadline passes (:class:`NotReady`, with the last error), or the server process is
seen to have exited (reported at once, with the tail of its log).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from avion_workspace.errors import AvionError
from avion_workspace.infra.errors import InfraError, NotReady

T = TypeVar("T")

# Exceptions a probe may raise while its server is still starting.
PROBE_ERRORS: tuple[type[BaseException], ...] = (OSError, ConnectionError, TimeoutError, ValueError)


@dataclass(frozen=True)
class Retry:
    timeout: float = 30.0
    first_delay: float = 0.02
    max_delay: float = 0.5


def log_tail(path: Path | None, lines: int = 15) -> str:
    if path is None:
        return ""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    what: str,
    probe: Callable[[], T],
    *,
    retry: Retry = Retry(),
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
    errors: tuple[type[BaseException], ...] = PROBE_ERRORS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``probe`` until it returns; raise :class:`NotReady` after ``retry.timeout`` seconds."""
    deadline = clock() + retry.timeout
    delay = retry.first_delay
    attempts = 0
    while True:
        attempts += 1
        try:
            return probe()
        except errors as exc:
            last = f"{type(exc).__name__}: {exc}".strip()
        if alive is not None and not alive():
            tail = log_tail(log)
            raise InfraError(
                f"{what} exited while starting"
                + (f"; last lines of {log}:\n{tail}" if tail else ""),
                hint=f"read the whole log with `inv infra.logs {what}`",
            )
        if clock() + delay > deadline:
            raise NotReady(
                f"{what} was not ready after {retry.timeout:g}s ({attempts} probes); last answer: {last}",
                hint=f"see `inv infra.logs {what}`" + (f" ({log})" if log else ""),
            )
        sleep(delay)
        delay = min(delay * 2, retry.max_delay)


def postgres_probe(dsn: str) -> Callable[[], None]:
    def probe() -> None:
        import psycopg

        try:
            with psycopg.connect(dsn, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1").fetchone()
        except psycopg.OperationalError as exc:
            raise ConnectionError(str(exc).strip()) from exc

    return probe


def redis_probe(host: str, port: int, password: str) -> Callable[[], None]:
    """AUTH and PING over a plain socket (RESP): ready when the server answers PONG."""

    def probe() -> None:
        from avion_workspace.infra.resp import RespError, redis_command

        try:
            answer = redis_command(host, port, password, "PING")
        except RespError as exc:  # LOADING, a refused AUTH, ...
            raise ConnectionError(str(exc)) from exc
        if answer != "PONG":
            raise ConnectionError(f"PING answered {answer!r}")

    return probe


def s3_probe(endpoint: str, access_key: str, secret_key: str) -> Callable[[], list[str]]:
    """ListBuckets with the root credentials; returns the bucket names."""

    def probe() -> list[str]:
        from avion_workspace.infra.s3 import s3_client

        try:
            return s3_client(endpoint, access_key, secret_key).list_buckets()
        except (OSError, AvionError) as exc:  # refused, reset, or an S3 error while starting
            raise ConnectionError(str(exc)) from exc

    return probe


def http_health_probe(url: str) -> Callable[[], dict[str, object]]:
    """GET ``url`` (e.g. Meilisearch /health); ready when it answers 200 with a JSON object."""

    def probe() -> dict[str, object]:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http on loopback
                body = json.loads(response.read() or b"{}")
        except urllib.error.URLError as exc:
            raise ConnectionError(str(exc.reason)) from exc
        if not isinstance(body, dict) or body.get("status") not in ("available", None):
            raise ConnectionError(f"health answered {body!r}")
        return body

    return probe
