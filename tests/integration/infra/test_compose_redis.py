"""The rendered compose file's Redis command, run by a real redis-server (no Docker needed)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import redis
import yaml

from avion_workspace.infra.ports import free_port
from tests.support import ROOT, require_program


def test_compose_redis_command_starts_a_server_enforcing_each_service_namespace(
    tmp_path: Path,
) -> None:
    server = require_program("redis-server", "apt-get install redis-server")
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["redis"][
        "command"
    ]
    assert command[0] == "redis-server"
    passwords = {"REDIS_PASSWORD": "admin-pw"}  # pragma: allowlist secret

    def substitute(arg: str) -> str:
        def value(match: re.Match[str]) -> str:
            return passwords.setdefault(match.group(1), f"pw-{match.group(1).lower()}")

        return re.sub(r"\$\{(\w+):\?[^}]*\}", value, arg)

    port = free_port()
    argv = [server, *map(substitute, command[1:]), "--port", str(port), "--dir", str(tmp_path)]
    argv += ["--bind", "127.0.0.1", "--save", ""]
    log = tmp_path / "redis.log"
    with log.open("w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(
            port=port, username="avion_auth", password=passwords["AVION_AUTH_REDIS_PASSWORD"]
        )
        for _ in range(100):
            if process.poll() is not None:
                raise AssertionError(
                    f"redis-server refused the compose command:\n{log.read_text()}"
                )
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)  # bounded retry while the server starts
        assert client.set("session:abc", "1")
        try:
            client.set("queue:jobs", "1")
            raise AssertionError("avion_auth may not write outside cache:* and session:*")
        except redis.exceptions.NoPermissionError:
            pass
    finally:
        process.terminate()
        process.wait(timeout=10)
