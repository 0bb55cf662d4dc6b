"""External tools the workspace uses, pinned, and installed into the git-ignored ``.tools/``.

Go-distributed tools are built with ``go install module@version`` into ``.tools/bin`` (the Go
module proxy is reachable where download sites are not); Python-wheel tools come with the
workspace's own dependencies. A second install finds the binary and does nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import ToolMissing

TOOLS_DIR = ".tools"


@dataclass(frozen=True)
class Tool:
    name: str
    module: str  # go package path of the command
    version: str
    purpose: str

    @property
    def install_line(self) -> str:
        return f"GOBIN=$PWD/{TOOLS_DIR}/bin go install {self.module}@{self.version}"


# Add a tool here, pinned; `inv tools.install` and .ci/run install every one of them.
TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "goose",
            "github.com/pressly/goose/v3/cmd/goose",
            "v3.26.0",
            "differential migration tests",
        ),
        Tool(
            "actionlint", "github.com/rhysd/actionlint/cmd/actionlint", "v1.7.12", "workflow checks"
        ),
    )
}


def bin_dir(root: Path) -> Path:
    return root / TOOLS_DIR / "bin"


def find_tool(root: Path, name: str) -> Path | None:
    """The tool in ``.tools/bin`` first, then on PATH; None when neither has it."""
    local = bin_dir(root) / name
    if local.is_file() and os.access(local, os.X_OK):
        return local
    found = shutil.which(name)
    return Path(found) if found else None


def require_tool(root: Path, name: str) -> Path:
    path = find_tool(root, name)
    if path is None:
        tool = TOOLS.get(name)
        hint = f"run `inv tools.install {name}` ({tool.install_line})" if tool else None
        raise ToolMissing(f"{name} is not installed", hint=hint)
    return path


def install_tool(root: Path, name: str) -> tuple[Path, bool]:
    """Install ``name`` into ``.tools/bin`` unless there; returns (path, installed now)."""
    tool = TOOLS[name]
    target = bin_dir(root) / name
    if target.is_file():
        return target, False
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(
            f"cannot install {name}: the go toolchain is not on PATH", hint="install Go 1.22+"
        )
    env = {
        **os.environ,
        "GOBIN": str(bin_dir(root)),
        "CGO_ENABLED": os.environ.get("CGO_ENABLED", "0"),
    }
    result = subprocess.run(
        [go, "install", f"{tool.module}@{tool.version}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ToolMissing(
            f"go install {tool.module}@{tool.version} failed:\n{result.stderr.strip()}",
            hint="the Go module proxy must be reachable (GOPROXY)",
        )
    return target, True
