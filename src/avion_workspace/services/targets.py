"""The per-service targets (``inv build/test/lint/... --service NAME``), the plan's Makefile in Python.

Each target is a function of one service. The commands they run are built by pure functions
(tested without running anything); :func:`for_each` runs a target for the named service or for
every service, keeps going past a failure and fails once at the end naming each failed service.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import USER_ERRORS, AvionError, ToolMissing
from avion_workspace.pathpolicy import safe_target
from avion_workspace.render.services import service_dir
from avion_workspace.services.pyenv import ServicesEnv

DIST_DIR = "dist/services"
# What `clean` removes below a service folder: build outputs and caches, all git-ignored.
CLEAN_DIRS = ("build", "dist", ".pytest_cache", ".mypy_cache", ".ruff_cache", "htmlcov")
CLEAN_GLOBS = ("src/*.egg-info", ".coverage", ".coverage.*", "coverage.xml")


class TargetFailed(AvionError):
    """One or more services failed a target; each is named."""


@dataclass(frozen=True)
class Step:
    """One program run for a target: argv, working directory, extra environment."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def run(self) -> int:
        env = {**os.environ, **self.env}
        return subprocess.run(self.argv, cwd=self.cwd, env=env, check=False).returncode


def select(platform: Platform, name: str | None) -> tuple[Service, ...]:
    """The named service, or every service when ``name`` is None; unknown names are refused."""
    if name is None:
        return tuple(platform.services.values())
    service = platform.services.get(name)
    if service is None:
        close = difflib.get_close_matches(name, list(platform.services), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise AvionError(
            f"unknown service {name!r}",
            hint=hint + f"services in config/platform.yaml: {', '.join(platform.services)}",
        )
    return (service,)


def for_each(services: Sequence[Service], target: str, action: Callable[[Service], None]) -> None:
    """Run ``action`` per service (a header each when several); fail once, naming the failed."""
    failed: list[str] = []
    for service in services:
        if len(services) > 1:
            print(f"── {service.name}: {target}", flush=True)
        try:
            action(service)
        except USER_ERRORS as exc:
            print(exc.render(), file=sys.stderr, flush=True)
            failed.append(service.name)
    if failed:
        raise TargetFailed(
            f"{target} failed for {len(failed)} of {len(services)} service(s): {', '.join(failed)}"
        )


def run_steps(service: Service, target: str, steps: Iterable[Step]) -> None:
    """Run every step (all of them, as lint wants every finding); fail when any failed."""
    failures = [step.label for step in steps if step.run() != 0]
    if failures:
        raise AvionError(f"{service.name}: {target} failed ({', '.join(failures)})")


def workspace_tool(name: str) -> Path:
    """A program installed next to the workspace's Python (ruff, uv), else on PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file():
        return local
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name} is not installed",
            hint="install the workspace for development: pip install -r requirements-dev.txt",
        )
    return Path(found)


def pinned_hadolint(root: Path) -> Path:
    """The workspace's pinned hadolint (installed by ``inv security.install``)."""
    from avion_workspace.tools import find_tool

    found = find_tool(root, "hadolint")
    if found is None:
        raise ToolMissing(
            "hadolint is not installed",
            hint="run `inv security.install hadolint` (the pinned hadolint)",
        )
    return found


# -- the commands of each target (pure) --------------------------------------------------------


def build_steps(root: Path, uv: Path, service: Service) -> list[Step]:
    out = root / DIST_DIR / service.name
    return [
        Step(
            "uv build",
            (
                str(uv),
                "build",
                "--wheel",
                "--quiet",
                "--out-dir",
                str(out),
                service_dir(service.name),
            ),
            root,
        )
    ]


def pytest_steps(
    root: Path,
    env: ServicesEnv,
    service: Service,
    *,
    coverage: bool = False,
    fail_under: float | None = None,
    extra: Sequence[str] = (),
) -> list[Step]:
    argv = [str(env.python), "-m", "pytest"]
    if coverage:
        argv += [f"--cov={service.package}", "--cov-branch", "--cov-report=term-missing"]
        if fail_under is not None:
            argv.append(f"--cov-fail-under={fail_under:g}")
    argv += list(extra)
    return [Step("pytest", tuple(argv), root / service_dir(service.name))]


def lint_steps(
    root: Path, env: ServicesEnv, service: Service, *, ruff: Path, hadolint: Path
) -> list[Step]:
    folder = root / service_dir(service.name)
    return [
        Step("ruff check", (str(ruff), "check", "."), folder),
        Step("ruff format", (str(ruff), "format", "--check", "."), folder),
        Step("mypy", (str(env.bin("mypy")),), folder),
        Step("hadolint", (str(hadolint), "Dockerfile"), folder),
    ]


def protoc_steps(root: Path, env: ServicesEnv, service: Service) -> list[Step]:
    """Compile ``proto/**/*.proto`` into ``src/`` (messages, typed stubs, gRPC servicers)."""
    folder = root / service_dir(service.name)
    protos = sorted(str(p.relative_to(folder / "proto")) for p in folder.glob("proto/**/*.proto"))
    if not protos:
        return []
    argv = (
        str(env.python),
        "-m",
        "grpc_tools.protoc",
        "--proto_path=proto",
        "--python_out=src",
        "--pyi_out=src",
        "--grpc_python_out=src",
        *protos,
    )
    return [Step("protoc", argv, folder)]


def clean_paths(root: Path, service: Service) -> list[Path]:
    """What ``clean`` removes for ``service``: build outputs and caches only, never sources."""
    folder = root / service_dir(service.name)
    paths = [folder / name for name in CLEAN_DIRS]
    paths += [p for pattern in CLEAN_GLOBS for p in folder.glob(pattern)]
    paths += list(folder.rglob("__pycache__"))
    paths.append(root / DIST_DIR / service.name)
    found = [p for p in paths if p.exists() or p.is_symlink()]
    # The workspace path policy: nothing reached through a linked folder (a ``dist`` or
    # service folder that is a link would take the removal outside the workspace).
    seen: dict[str, Path | None] = {}
    for path in found:
        safe_target(root, path.relative_to(root).as_posix(), what="clean target", seen=seen)
    return found


def remove(paths: Iterable[Path]) -> int:
    count = 0
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        count += 1
    return count
