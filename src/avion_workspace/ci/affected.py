"""Which services a change affects: changed paths in, service names (and why) out.

- ``libs/<lib>/...`` affects the services whose images hold ``<lib>``: their ``libraries``, the
  service kit every service runs on, and what those depend on (``render.services``' closure);
- ``services/<name>/...`` and ``charts/<name>/...`` affect that service; a chart that is not a
  service's (a shared library chart) affects every service;
- config, the engine, the pipeline and the workspace's own build files affect every service;
- anything else (docs, benchmarks, engine tests) affects none.

:func:`affected_services` is pure; :func:`changed_paths` is the git edge.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from avion_workspace.config.model import Service
from avion_workspace.errors import AvionError, ToolMissing
from avion_workspace.render.services import KIT_LIBRARY, library_closure

# A change under one of these reaches every service: it changes how all of them are built,
# configured, tested or deployed.
GLOBAL_PATHS = (
    "config/",
    "src/avion_workspace/",
    "workflows/",
    ".github/workflows/",
    "pyproject.toml",
    "noxfile.py",
    "tasks.py",
)
_NULL_SHA = re.compile(r"^0+$")
EVERYTHING = "*"  # the reason key when every service is affected


@dataclass(frozen=True)
class Affected:
    """The services a change affects, in config order, with the paths that made each one."""

    services: tuple[str, ...]
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    everything: bool = False
    unaffecting: tuple[str, ...] = ()  # changed paths that affect no service

    @property
    def any(self) -> bool:
        return bool(self.services)


def _is_global(path: str) -> bool:
    return any(path == g or (g.endswith("/") and path.startswith(g)) for g in GLOBAL_PATHS)


def affected_services(paths: Iterable[str], services: Mapping[str, Service]) -> Affected:
    """Map changed paths (POSIX, relative to the workspace) to the services they affect."""
    reasons: dict[str, list[str]] = {}
    unaffecting: list[str] = []
    everything: list[str] = []
    for path in sorted(set(paths)):
        parts = PurePosixPath(path).parts
        hit: list[str] = []
        if _is_global(path):
            everything.append(path)
            continue
        if len(parts) >= 3 and parts[0] == "libs":
            hit = [
                name
                for name, svc in services.items()
                if parts[1] in library_closure((*svc.libraries, KIT_LIBRARY))
            ]
        elif len(parts) >= 3 and parts[0] == "services" and parts[1] in services:
            hit = [parts[1]]
        elif len(parts) >= 3 and parts[0] == "charts":
            if parts[1] in services:
                hit = [parts[1]]
            else:
                everything.append(path)
                continue
        for name in hit:
            reasons.setdefault(name, []).append(path)
        if not hit:
            unaffecting.append(path)
    if everything:
        return Affected(
            tuple(services),
            {EVERYTHING: tuple(everything), **{k: tuple(v) for k, v in reasons.items()}},
            everything=True,
            unaffecting=tuple(unaffecting),
        )
    names = tuple(name for name in services if name in reasons)
    return Affected(names, {k: tuple(reasons[k]) for k in names}, unaffecting=tuple(unaffecting))


def all_services(services: Mapping[str, Service], reason: str) -> Affected:
    return Affected(tuple(services), {EVERYTHING: (reason,)}, everything=True)


def base_is_unknown(base: str) -> bool:
    """A push that creates a branch has no previous commit (GitHub sends forty zeros)."""
    return not base.strip() or bool(_NULL_SHA.match(base.strip()))


def base_in_history(root: Path, base: str) -> bool:
    """Whether ``base`` names a commit this clone has (not after a force push or in a shallow clone)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise ToolMissing("git is not installed", hint="install git") from None
    return result.returncode == 0


def changed_paths(root: Path, base: str) -> list[str]:
    """Paths changed between the merge base of ``base`` and HEAD (``git diff base...HEAD``)."""
    try:
        result = subprocess.run(
            ["git", "diff", "--name-only", "--no-renames", f"{base}...HEAD", "--"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise ToolMissing("git is not installed", hint="install git") from None
    if result.returncode != 0:
        raise AvionError(
            f"git diff {base}...HEAD failed: {result.stderr.strip() or 'no output'}",
            hint="is the base a commit of this repository? CI needs the history: checkout with fetch-depth: 0",
        )
    return [line for line in result.stdout.splitlines() if line]
