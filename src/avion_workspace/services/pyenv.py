"""The Python environment services run and are tested in: the git-ignored ``.venv-services``.

One virtualenv for every service (they share the service kit): the libraries and the services
as editable installs with their dev extras, and no engine code (``python -m <package> migrate``
runs avion-migrate, as in the images). Created with uv on first use; re-synced when a ``pyproject.toml`` involved changes, so
a task that finds it current costs one hash.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import AvionError, ToolMissing

ENV_DIR = ".venv-services"
STAMP_FILE = ".avion-stamp"
LOCK_FILE = ".avion/venv-services.lock"  # .avion/ is git-ignored local state


@dataclass(frozen=True)
class ServicesEnv:
    """Where the environment is; ``bin(name)`` is one of its programs."""

    path: Path

    @property
    def python(self) -> Path:
        return self.bin("python")

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


@dataclass(frozen=True)
class Member:
    """One editable install: a folder below the root, with extras."""

    directory: str
    extras: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.directory}[{','.join(self.extras)}]" if self.extras else self.directory


def members(root: Path, services: Sequence[str]) -> tuple[Member, ...]:
    """Every library under libs/ and every named service that has been rendered."""
    libs = sorted(p.parent.name for p in root.glob("libs/*/pyproject.toml"))
    out = [Member(f"libs/{lib}") for lib in libs]
    out += [
        Member(f"services/{name}", ("dev",))
        for name in sorted(services)
        if (root / "services" / name / "pyproject.toml").is_file()
    ]
    return tuple(out)


def stamp(root: Path, installed: Sequence[Member]) -> str:
    """A digest of what the environment must hold: members and their pyproject files."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for path in [Path(m.directory) / "pyproject.toml" for m in installed]:
        digest.update(str(path).encode() + b"\0")
        digest.update((root / path).read_bytes() + b"\0")
    for member in installed:
        digest.update(member.requirement.encode() + b"\0")
    return digest.hexdigest()


def install_commands(uv: Path, env: ServicesEnv, installed: Sequence[Member]) -> list[list[str]]:
    """The uv commands that bring ``env`` to ``installed`` (run from the workspace root)."""
    python = str(env.python)
    commands = []
    if not env.python.exists():
        commands.append([str(uv), "venv", "--quiet", "--python", sys.executable, str(env.path)])
    editable = [arg for m in installed for arg in ("--editable", m.requirement)]
    commands.append([str(uv), "pip", "install", "--quiet", "--python", python, *editable])
    return commands


def find_uv() -> Path:
    for candidate in (Path(sys.executable).parent / "uv", shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ToolMissing(
        "uv is not installed; it creates the services' environment (.venv-services)",
        hint="install the workspace's dev extra: pip install -e '.[dev]' (or pip install uv)",
    )


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    lock = root / LOCK_FILE
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_env(root: Path, services: Sequence[str], *, quiet: bool = False) -> ServicesEnv:
    """The services' environment, created or re-synced when what it must hold changed."""
    env = ServicesEnv(root / ENV_DIR)
    installed = members(root, services)
    wanted = stamp(root, installed)
    stamp_path = env.path / STAMP_FILE
    with _locked(root):
        current = stamp_path.read_text(encoding="ascii").strip() if stamp_path.is_file() else ""
        if env.python.exists() and current == wanted:
            return env
        uv = find_uv()
        if not quiet:
            print(f"syncing {ENV_DIR} ({len(installed)} packages; the first time takes a minute)")
        for argv in install_commands(uv, env, installed):
            result = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise AvionError(
                    f"could not prepare {ENV_DIR}: {' '.join(argv[:3])} failed:\n"
                    + (result.stderr.strip() or result.stdout.strip()),
                    hint="PyPI must be reachable; fix the error above and re-run",
                )
        stamp_path.write_text(wanted + "\n", encoding="ascii")
    return env
