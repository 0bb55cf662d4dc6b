"""The HTTP probe app, driven through the ASGI interface, and the metrics it serves."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from avion_service.http import ASGIApp, build_app
from avion_service.readiness import Probe, Readiness, describe
from avion_service.server import _metrics_app, _observe_readiness
from avion_service.settings import load
from avion_telemetry import TelemetrySettings, setup_telemetry
from service_cases import make_spec


def call(app: ASGIApp, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    async def run() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(dict(message))

        await app({"type": "http", "method": method, "path": path, "headers": []}, receive, send)
        return sent

    messages = asyncio.run(run())
    start = messages[0]
    headers = {key.decode().lower(): value.decode() for key, value in start["headers"]}
    body = b"".join(message.get("body", b"") for message in messages[1:])
    return start["status"], headers, body


async def answers() -> None:
    return None


async def refuses() -> None:
    raise ConnectionRefusedError(111, "Connection refused")


async def hangs() -> None:
    await asyncio.sleep(60)


def app_with(probes: dict[str, Probe], timeout: float = 1.0) -> ASGIApp:
    return build_app(Readiness(probes, timeout=timeout), None)


def test_healthz_answers_without_asking_dependencies() -> None:
    status, headers, body = call(app_with({"dependency": refuses}), "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["content-type"] == "application/json"


def test_readyz_is_200_when_every_dependency_answers() -> None:
    status, _, body = call(app_with({"database": answers, "redis": answers}), "GET", "/readyz")
    report = json.loads(body)
    assert (status, report["status"], sorted(report["checks"])) == (
        200,
        "ready",
        ["database", "redis"],
    )


def test_readyz_is_503_naming_each_dependency_that_failed() -> None:
    status, _, body = call(app_with({"database": answers, "down": refuses}), "GET", "/readyz")
    report = json.loads(body)
    assert (status, report["failed"]) == (503, ["down"])
    assert "Connection refused" in report["checks"]["down"]["detail"]


def test_a_dependency_that_hangs_fails_at_the_timeout() -> None:
    status, _, body = call(app_with({"slow": hangs}, timeout=0.05), "GET", "/readyz")
    assert status == 503
    assert json.loads(body)["checks"]["slow"]["detail"] == "no answer within 0.05 s"


def test_other_paths_are_404_and_other_methods_405() -> None:
    app = app_with({})
    assert call(app, "GET", "/nope")[0] == 404
    status, headers, _ = call(app, "POST", "/healthz")
    assert (status, headers["allow"]) == (405, "GET, HEAD")
    status, _, body = call(app, "HEAD", "/healthz")
    assert (status, body) == (200, b"")


def test_lifespan_is_acknowledged() -> None:
    app = app_with({})
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_long_failure_details_are_bounded() -> None:
    text = describe(RuntimeError("x" * 1000))
    assert len(text) == 300
    assert text.endswith("...")


def dependency_up(metrics: str, dependency: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("avion_dependency_up{") and f'dependency="{dependency}"' in line:
            assert 'service="demo-svc"' in line
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no avion_dependency_up for {dependency} in:\n{metrics}")


def test_metrics_are_prometheus_text_with_dependency_status() -> None:
    settings = load(make_spec(()), {})
    telemetry = setup_telemetry(TelemetrySettings(service_name="demo-svc"))
    try:
        readiness = Readiness({"cache": answers, "store": refuses}, timeout=1.0)
        _observe_readiness(telemetry, readiness, settings)
        app = build_app(readiness, _metrics_app(telemetry))
        assert "avion_dependency_up{" not in call(app, "GET", "/metrics")[2].decode()
        assert call(app, "GET", "/readyz")[0] == 503
        status, headers, body = call(app, "GET", "/metrics")
    finally:
        telemetry.shutdown()
    text = body.decode()
    assert (status, headers["content-type"].startswith("text/plain")) == (200, True)
    assert dependency_up(text, "cache") == 1.0
    assert dependency_up(text, "store") == 0.0
    assert "process_cpu_seconds_total" in text


def test_metrics_are_404_when_telemetry_is_off() -> None:
    assert call(app_with({}), "GET", "/metrics")[0] == 404
