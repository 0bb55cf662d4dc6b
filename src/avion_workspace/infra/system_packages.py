"""Servers that no language registry ships, installed from the system's package manager.

Redis is the one: it publishes no npm package, wheel or Go module with a server binary, so on
Debian/Ubuntu, as root, ``inv setup`` installs Debian's ``redis-server`` itself; anywhere else it
says exactly which command to run. The package's own service is stopped and disabled at once:
the native stack starts its own ``redis-server`` on the configured port.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class AptPackage:
    package: str  # the Debian package
    program: str  # the program it puts on PATH
    why: str  # said while installing
    service: str = ""  # a system service the package starts, to stop and disable


REDIS = AptPackage(
    "redis-server",
    "redis-server",
    "Redis for the native local stack (no language registry ships a Redis server)",
    service="redis-server",
)


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(list(args), capture_output=True, text=True, check=False, env=env)


def manual_hint(package: AptPackage) -> str:
    """What a user runs when we cannot install for them."""
    stop = (
        f"; then `sudo systemctl disable --now {package.service}` (the stack starts its own)"
        if package.service
        else ""
    )
    return (
        f"`sudo apt-get update && sudo apt-get install -y {package.package}` (Debian/Ubuntu){stop}; "
        f"elsewhere install Redis 7+ so `{package.program}` is on PATH (brew install redis, dnf install redis)"
    )


def can_apt_install(
    euid: int | None = None, which: Callable[[str], str | None] = shutil.which
) -> bool:
    return (os.geteuid() if euid is None else euid) == 0 and which("apt-get") is not None


def apt_install(package: AptPackage, progress: Progress, run: Runner = _run) -> str | None:
    """Install ``package`` with apt-get (root on Debian); None when done, else why it failed."""
    progress(f"installing {package.package} with apt-get: {package.why} (once, about 20 s)")
    policy = run(["apt-cache", "policy", package.package])
    if "Candidate: (none)" in policy.stdout or "Candidate:" not in policy.stdout:
        progress("  apt-get update (the package lists are empty or stale)")
        update = run(["apt-get", "update", "-qq"])
        if update.returncode != 0:
            return f"apt-get update failed: {update.stderr.strip()[-500:]}"
    progress(f"  apt-get install {package.package}")
    result = run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package.package])
    if result.returncode != 0:
        return f"apt-get install {package.package} failed: {result.stderr.strip()[-500:]}"
    if package.service:
        # The package starts its own server on the default port; ours runs from .avion/.
        if shutil.which("systemctl") and Path("/run/systemd/system").is_dir():
            run(["systemctl", "disable", "--now", package.service])
        else:
            run(["service", package.service, "stop"])
        progress(f"  stopped the system's {package.service} service: the stack starts its own")
    return None
