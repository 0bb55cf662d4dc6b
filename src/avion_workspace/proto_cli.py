"""What ``inv proto.gen`` and ``inv proto.lint`` do, without invoke."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from avion_workspace import proto
from avion_workspace.errors import AvionError
from avion_workspace.tools import require_tool
from avion_workspace.workspace import find_root

# STANDARD lint, except that a Get may return the resource itself (GetUser returns User), as
# Google's AIP-131 designs it; FILE-level breaking-change rules (generated code is per file).
BUF_CONFIG = """\
version: v2
lint:
  use: [STANDARD]
  except: [RPC_RESPONSE_STANDARD_NAME]
breaking:
  use: [FILE]
"""


class ProtoCheckFailed(AvionError):
    """buf found lint problems or breaking changes."""


def run_gen(*, check: bool, root: Path | None = None) -> None:
    root = root or find_root()
    files = proto.plan(root)
    if check:
        proto.check(root, files)
        print(f"proto: {len(files)} generated file(s) up to date")
        return
    for change in proto.write(root, files):
        print(f"{change.action:>9}  {change.path}")


def run_lint(*, against: str | None, root: Path | None = None) -> None:
    """``buf lint`` each service's proto folder; with ``against``, ``buf breaking`` too.

    The baseline is the same folder at the git ref ``against``, exported to a temp dir (buf reads
    a folder; a git worktree's ``.git`` is a file buf cannot open). A folder new since the ref
    has nothing to break.
    """
    root = root or find_root()
    buf = require_tool(root, "buf")
    failures: list[str] = []
    for package in proto.discover(root):
        folder = package.proto_root.relative_to(root)
        with tempfile.TemporaryDirectory(prefix="avion-buf-") as tmp:
            config = Path(tmp) / "buf.yaml"
            config.write_text(BUF_CONFIG)
            lint = _buf(buf, ["lint", str(package.proto_root), "--config", str(config)], root)
            if lint:
                failures.append(f"{folder}: buf lint\n{lint}")
            if against is not None:
                baseline = Path(tmp) / "baseline"
                if _export(root, against, folder, baseline):
                    args = [
                        "breaking",
                        str(package.proto_root),
                        "--against",
                        str(baseline),
                        "--config",
                        str(config),
                        "--against-config",
                        str(config),
                    ]
                    broken = _buf(buf, args, root)
                    if broken:
                        failures.append(f"{folder}: breaking changes since {against}\n{broken}")
        print(f"proto: {folder} checked")
    if failures:
        raise ProtoCheckFailed(
            "\n".join(failures),
            hint="fix the lint findings; a breaking change needs a new package version (v2)",
        )


def _buf(buf: Path, args: list[str], root: Path) -> str:
    result = subprocess.run(
        [str(buf), *args, "--error-format", "text"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return ""
    return (result.stdout + result.stderr).strip() or f"buf exited {result.returncode}"


def _export(root: Path, ref: str, folder: Path, target: Path) -> bool:
    """Write ``folder``'s .proto files as of ``ref`` under ``target``; False if it had none."""
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "--", folder.as_posix()],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise AvionError(
            f"cannot read {folder} at git ref {ref!r}: {listing.stderr.strip()}",
            hint="pass --against a ref this clone has (fetch it, or use the full history)",
        )
    names = [name for name in listing.stdout.splitlines() if name.endswith(".proto")]
    for name in names:
        content = subprocess.run(
            ["git", "show", f"{ref}:{name}"], cwd=root, capture_output=True, check=True
        ).stdout
        destination = target / Path(name).relative_to(folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    return bool(names)
