"""Redis from apt when root on Debian: the commands, in order, and what a failure says."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

import pytest

from avion_workspace.infra.system_packages import (
    REDIS,
    apt_install,
    can_apt_install,
    manual_hint,
)


class Apt:
    """apt at its command-line boundary: records commands, answers like apt-get/apt-cache."""

    def __init__(self, *, candidate: bool, install_fails: bool = False) -> None:
        self.commands: list[list[str]] = []
        self.candidate = candidate
        self.install_fails = install_fails

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(args))
        out, code, err = "", 0, ""
        if args[:2] == ["apt-cache", "policy"]:
            out = (
                "redis-server:\n  Installed: (none)\n  Candidate: 5:7.0.15-1~deb12u10\n"
                if self.candidate
                else ""
            )
        elif args[:2] == ["apt-get", "update"]:
            self.candidate = True
        elif args[:2] == ["apt-get", "install"] and self.install_fails:
            code, err = 100, "E: Unable to locate package redis-server"
        return subprocess.CompletedProcess(list(args), code, out, err)


def test_empty_package_lists_are_updated_first_then_the_service_is_stopped() -> None:
    apt, said = Apt(candidate=False), []
    assert apt_install(REDIS, said.append, run=apt) is None
    verbs = [" ".join(c[:2]) for c in apt.commands]
    assert verbs[:3] == ["apt-cache policy", "apt-get update", "apt-get install"]
    assert apt.commands[2][-1] == "redis-server"
    assert "--no-install-recommends" in apt.commands[2]
    assert verbs[3] in ("systemctl disable", "service redis-server")  # the package's own server
    assert said[0].startswith(
        "installing redis-server with apt-get: Redis for the native local stack"
    )


def test_current_lists_are_not_updated_again() -> None:
    apt = Apt(candidate=True)
    assert apt_install(REDIS, lambda _: None, run=apt) is None
    assert ["apt-get", "update", "-qq"] not in apt.commands


def test_a_failed_install_says_what_apt_said() -> None:
    apt = Apt(candidate=True, install_fails=True)
    failure = apt_install(REDIS, lambda _: None, run=apt)
    assert failure == (
        "apt-get install redis-server failed: E: Unable to locate package redis-server"
    )


@pytest.mark.parametrize(
    ("euid", "apt_get", "expected"),
    [(0, "/usr/bin/apt-get", True), (1000, "/usr/bin/apt-get", False), (0, None, False)],
)
def test_apt_only_as_root_where_apt_get_exists(
    euid: int, apt_get: str | None, expected: bool
) -> None:
    assert can_apt_install(euid, lambda _: apt_get) is expected


def test_the_manual_hint_names_the_commands() -> None:
    hint = manual_hint(REDIS)
    assert "`sudo apt-get update && sudo apt-get install -y redis-server`" in hint
    assert "`sudo systemctl disable --now redis-server`" in hint
    assert "brew install redis" in hint
