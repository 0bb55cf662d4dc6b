"""The external programs charts are checked and deployed with, and how they are run.

helm is a pinned go-installed tool (``tools.TOOLS``); kubernetes-validate is a Python
dependency of the workspace (it bundles the Kubernetes JSON schemas, so nothing is downloaded);
checkov is heavy, so it lives in its own virtualenv under ``.tools/`` at a pinned version.
Everything runs through :class:`CommandRunner` so planning and parsing are tested without them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from avion_workspace.errors import ToolMissing
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.tools import TOOLS_DIR, bin_dir, find_tool

KUBE_VERSION = "1.31.0"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = "checkov-venv"


def kubernetes_validate(root: Path) -> Path:
    """kubernetes-validate beside the running interpreter (the workspace venv), else on PATH."""
    beside = Path(sys.executable).parent / "kubernetes-validate"
    if beside.is_file():
        return beside
    found = find_tool(root, "kubernetes-validate")
    if found is None:
        raise ToolMissing(
            "kubernetes-validate is not installed",
            hint="pip install -e '.[test]' (it is a test dependency of the workspace)",
        )
    return found


def checkov_venv(root: Path) -> Path:
    return root / TOOLS_DIR / CHECKOV_VENV


def find_checkov(root: Path) -> Path | None:
    candidate = checkov_venv(root) / "bin" / "checkov"
    if candidate.is_file():
        return candidate
    return find_tool(root, "checkov")


def require_checkov(root: Path) -> Path:
    found = find_checkov(root)
    if found is None:
        raise ToolMissing(
            "checkov is not installed",
            hint=f"run `inv charts.install-tools` (checkov=={CHECKOV_VERSION} in .tools/{CHECKOV_VENV})",
        )
    return found


def install_checkov(root: Path, runner: CommandRunner = run_command) -> tuple[Path, bool]:
    """Create ``.tools/checkov-venv`` with the pinned checkov; link it as ``.tools/bin/checkov``."""
    venv = checkov_venv(root)
    exe = venv / "bin" / "checkov"
    link = bin_dir(root) / "checkov"
    fresh = False
    if not exe.is_file():
        for argv in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"],
        ):
            done = runner(argv)
            if done.returncode != 0:
                raise ToolMissing(
                    f"{' '.join(argv)} failed:\n{done.stderr.strip()[-2000:]}",
                    hint="PyPI must be reachable (pip's index)",
                )
        fresh = True
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(exe)
    return exe, fresh
