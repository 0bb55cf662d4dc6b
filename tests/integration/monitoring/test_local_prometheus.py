"""The local Prometheus of ``inv infra.up --monitoring`` against a real auth service.

auth runs as ``inv run`` runs it, on free ports; its data stores point at closed ports (the
runtime starts without them and reports them down). Its /metrics must carry every metric the
alert rules and dashboards use; Prometheus scrapes it with the local rule file (evaluated every
second and ``for:`` shortened, for the test only) and, once auth stops, the availability alert
goes pending, then fires.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.infra.monitoring import LocalPrometheus, ScrapeTarget, prometheus_config
from avion_workspace.infra.ports import free_port
from avion_workspace.render.alerts import EXPORTED_METRICS, SERVER_FAILURE_CODES
from avion_workspace.render.monitoring import rule_file_path
from avion_workspace.services.localrun import local_env, serve_argv
from avion_workspace.services.pyenv import ServicesEnv
from tests.integration.services.test_service_live import http_get
from tests.support import ROOT, require_tool

pytestmark = pytest.mark.integration

# A gRPC call through the service's interceptors, so the call histogram has a sample.
GRPC_CALL = """
import sys
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

with grpc.insecure_channel(sys.argv[1]) as channel:
    grpc.channel_ready_future(channel).result(timeout=10)
    health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
"""


def eventually(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns a truthy value (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, ValueError, AvionError) as exc:
            result, last = None, exc
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def auth_alone(platform: Platform) -> tuple[Platform, Service]:
    """auth on free ports; PostgreSQL and Redis on ports nothing listens on."""
    service = replace(
        platform.services["auth"], local_http_port=free_port(), local_grpc_port=free_port()
    )
    platform = replace(
        platform,
        postgres=replace(platform.postgres, local_port=free_port()),
        redis=replace(platform.redis, local_port=free_port()),
        services={**platform.services, "auth": service},
    )
    return platform, service


@pytest.fixture
def auth(
    services_env: ServicesEnv, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Service]]:
    platform, service = auth_alone(load_platform(ROOT / "config"))
    credentials = {
        "AVION_AUTH_DB_PASSWORD": "unused",  # pragma: allowlist secret
        "AVION_AUTH_REDIS_PASSWORD": "unused",  # pragma: allowlist secret
    }
    env = {
        **os.environ,
        **local_env(platform, service, credentials),
        "AUTH_LOG_FORMAT": "json",
        "AUTH_READINESS_INTERVAL_SECONDS": "0.5",
        "AUTH_READINESS_TIMEOUT_SECONDS": "1",
        "AUTH_SHUTDOWN_GRACE_SECONDS": "1",
    }
    with open(tmp_path / "auth.log", "wb") as out:
        process = subprocess.Popen(
            serve_argv(services_env, service),
            cwd=ROOT / "services" / "auth",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        eventually(lambda: http_get(service.local_http_port, "/healthz")[0] == 200, "auth /healthz")
        script = tmp_path / "grpc_call.py"
        script.write_text(GRPC_CALL, encoding="utf-8")
        called = subprocess.run(
            [str(services_env.python), str(script), f"127.0.0.1:{service.local_grpc_port}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert called.returncode == 0, called.stderr
        yield process, service
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def exposed_names(text: str) -> set[str]:
    return {
        line.split("{", 1)[0].split(" ", 1)[0]
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def shortened(rule_file: Path, alert: str, duration: str, into: Path) -> Path:
    """A copy of ``rule_file`` whose ``alert`` waits ``duration`` (test only)."""
    document = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
    for group in document["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if rule.get("alert") == alert:
                rule["for"] = duration
    into.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return into


def test_error_rate_rules_count_the_codes_avion_grpc_calls_server_failures(
    services_env: ServicesEnv,
) -> None:
    done = subprocess.run(
        [
            str(services_env.python),
            "-c",
            "from avion_grpc import SERVER_FAILURES; "
            "print(sorted(c.value[0] for c in SERVER_FAILURES))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(SERVER_FAILURE_CODES))


def test_auth_exports_the_metrics_rules_and_dashboards_use(
    auth: tuple[subprocess.Popen[bytes], Service],
) -> None:
    _, service = auth
    wanted = EXPORTED_METRICS["service"] - {"up"}  # up is Prometheus' own
    names = eventually(
        lambda: (lambda found: found if wanted <= found else None)(
            exposed_names(http_get(service.local_http_port, "/metrics")[1])
        ),
        "every service metric on /metrics",
        timeout=30,
    )
    assert wanted <= names


def test_prometheus_scrapes_auth_and_its_availability_alert_goes_pending(
    auth: tuple[subprocess.Popen[bytes], Service], tmp_path: Path
) -> None:
    binary = require_tool("prometheus")
    process, service = auth
    rules = shortened(
        ROOT / rule_file_path("local", "avion-auth"),
        "AvionServiceDown",
        "5s",  # from 2m: long enough to see it pending, short enough to see it fire
        tmp_path / "avion-auth.rules.yaml",
    )
    config = prometheus_config(
        [ScrapeTarget("auth", service.local_http_port)],
        [rules],
        environment="local",
        scrape_interval="1s",
    )
    prometheus = LocalPrometheus(binary, free_port(), tmp_path / "prometheus")
    prometheus.start(config)
    try:
        eventually(
            lambda: [r for r in prometheus.query('up{service="auth"}') if r["value"][1] == "1"],
            'up{service="auth"} == 1',
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        eventually(
            lambda: [r for r in prometheus.query('up{service="auth"}') if r["value"][1] == "0"],
            'up{service="auth"} == 0 once auth stopped',
        )
        alert = eventually(
            lambda: [
                a
                for a in prometheus.alerts()
                if a["labels"]["alertname"] == "AvionServiceDown"
                and a["labels"]["service"] == "auth"
            ],
            "AvionServiceDown for auth",
        )[0]
        assert alert["state"] == "pending"
        assert alert["labels"]["severity"] == "critical"
        eventually(
            lambda: [
                a
                for a in prometheus.alerts()
                if a["labels"]["alertname"] == "AvionServiceDown" and a["state"] == "firing"
            ],
            "AvionServiceDown firing after its for:",
        )
        assert alert["annotations"]["runbook_url"].endswith("service-alerts.md#avionservicedown")
    finally:
        prometheus.stop()


def test_infra_up_monitoring_loads_every_local_rule_group_and_service_target(
    tmp_path: Path,
) -> None:
    """What ``inv infra.up --monitoring`` starts, in a private workspace on a free port."""
    from avion_workspace.infra.monitoring import start_local_monitoring
    from avion_workspace.render.alerts import rule_groups

    require_tool("prometheus")
    shutil.copytree(
        ROOT / "infrastructure/monitoring/local", tmp_path / "infrastructure/monitoring/local"
    )
    (tmp_path / ".tools").symlink_to(ROOT / ".tools")
    platform = load_platform(ROOT / "config")
    prometheus = start_local_monitoring(tmp_path, platform, port=free_port())
    try:
        rules = _json_get(f"{prometheus.url}/api/v1/rules")["data"]["groups"]
        assert sorted(g["name"] for g in rules) == sorted(g.name for g in rule_groups(platform))

        # Service discovery hands Prometheus its static targets shortly after start.
        def all_targets() -> list[dict[str, Any]] | None:
            found = _json_get(f"{prometheus.url}/api/v1/targets")["data"]["activeTargets"]
            return found if len(found) == len(platform.services) else None

        targets = eventually(all_targets, "a scrape target per service")
        assert sorted(t["labels"]["service"] for t in targets) == sorted(platform.services)
        auth = next(t for t in targets if t["labels"]["service"] == "auth")
        assert (
            auth["scrapeUrl"]
            == f"http://127.0.0.1:{platform.services['auth'].local_http_port}/metrics"
        )
    finally:
        prometheus.stop()


def _json_get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        answer: dict[str, Any] = json.loads(response.read())
    return answer
