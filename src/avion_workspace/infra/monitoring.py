"""A local Prometheus for ``inv infra.up --monitoring``: the cluster's alert rules, evaluated
against the services that ``inv run`` starts.

It loads the rule files rendered for the local environment (``infrastructure/monitoring/local/
rules``, the same rules the charts carry) and scrapes each service's ``/metrics`` on its local
HTTP port, labelled ``service=<name>`` as the cluster's ServiceMonitors label it. It runs as a
detached process with its data and pid file under the workspace's state folder.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from avion_workspace.config.model import Platform
from avion_workspace.infra.errors import InfraError
from avion_workspace.infra.probes import Retry, wait_until
from avion_workspace.infra.processes import PidFile, spawn_detached, stop_process
from avion_workspace.infra.stack import state_dir
from avion_workspace.render.alerts import MONITORING_DIR
from avion_workspace.tools import require_tool

DEFAULT_PORT = 9090
COMPONENT = "prometheus"


@dataclass(frozen=True)
class ScrapeTarget:
    service: str
    port: int
    host: str = "127.0.0.1"


def service_targets(platform: Platform) -> list[ScrapeTarget]:
    """Each service's /metrics where ``inv run`` serves it (its local HTTP port)."""
    return [ScrapeTarget(name, s.local_http_port) for name, s in platform.services.items()]


def prometheus_config(
    targets: Sequence[ScrapeTarget],
    rule_files: Sequence[Path],
    *,
    environment: str,
    scrape_interval: str,
    evaluation_interval: str | None = None,
) -> dict[str, Any]:
    """prometheus.yml: one job per service, labelled as in the cluster."""
    return {
        "global": {
            "scrape_interval": scrape_interval,
            "evaluation_interval": evaluation_interval or scrape_interval,
            "external_labels": {"environment": environment},
        },
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {
                "job_name": target.service,
                "metrics_path": "/metrics",
                "static_configs": [
                    {
                        "targets": [f"{target.host}:{target.port}"],
                        "labels": {"service": target.service},
                    }
                ],
            }
            for target in targets
        ],
    }


def local_rule_files(root: Path, env: str = "local") -> list[Path]:
    files = sorted((root / MONITORING_DIR / env / "rules").glob("*.rules.yaml"))
    if not files:
        raise InfraError(
            f"no rule files under {MONITORING_DIR}/{env}/rules", hint="run `inv render`"
        )
    return files


@dataclass(frozen=True)
class LocalPrometheus:
    """One Prometheus process: its binary, port and folder (config, data, log, pid file)."""

    binary: Path
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> PidFile:
        return PidFile(self.directory / "prometheus.pid")

    @property
    def log(self) -> Path:
        return self.directory / "prometheus.log"

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            f"--config.file={self.directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
        ]

    def start(self, config: Mapping[str, Any], *, timeout: float = 60.0) -> None:
        """Write the config, start Prometheus (unless running) and wait until it is ready."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "prometheus.yml").write_text(
            yaml.safe_dump(dict(config), sort_keys=False), encoding="utf-8"
        )
        if self.pid_file.live_pid() is None:
            spawn_detached(self.argv(), log=self.log, cwd=self.directory, pid_file=self.pid_file)
        wait_until(
            COMPONENT,
            lambda: _get(f"{self.url}/-/ready"),
            retry=Retry(timeout=timeout),
            alive=lambda: self.pid_file.live_pid() is not None,
            log=self.log,
            errors=(OSError,),
        )

    def stop(self) -> bool:
        return stop_process(self.pid_file)

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant-vector result of ``promql``."""
        answer = _json(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        """Alerts pending or firing now."""
        alerts: list[dict[str, Any]] = _json(f"{self.url}/api/v1/alerts")["data"]["alerts"]
        return alerts


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback http only
        body: bytes = response.read()
        return body


def _json(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(_get(url))
    if answer.get("status") != "success":
        raise InfraError(f"Prometheus answered {answer!r} to {url}")
    return answer


def local_prometheus(root: Path, port: int = DEFAULT_PORT) -> LocalPrometheus:
    return LocalPrometheus(require_tool(root, "prometheus"), port, state_dir(root) / COMPONENT)


def start_local_monitoring(
    root: Path, platform: Platform, port: int = DEFAULT_PORT
) -> LocalPrometheus:
    """The hook of ``inv infra.up --monitoring``: Prometheus with the local rules and targets."""
    prometheus = local_prometheus(root, port)
    prometheus.start(
        prometheus_config(
            service_targets(platform),
            local_rule_files(root, platform.environment.name),
            environment=platform.environment.name,
            scrape_interval=platform.monitoring.scrape_interval,
        )
    )
    return prometheus


def stop_local_monitoring(root: Path) -> bool:
    """Stop the local Prometheus if it runs (``inv infra.down``); its data stays."""
    directory = state_dir(root) / COMPONENT
    if not directory.is_dir():
        return False
    return stop_process(PidFile(directory / "prometheus.pid"))


def reset_local_monitoring(root: Path) -> bool:
    """Stop the local Prometheus and delete its data; True when there was some."""
    directory = state_dir(root) / COMPONENT
    if not directory.is_dir():
        return False
    stop_local_monitoring(root)
    shutil.rmtree(directory, ignore_errors=True)
    return True
