"""How long `inv k8s.check` takes to give up when no cluster answers (goal: well under 10 s).

Three cases, each a real `inv` process: no kubeconfig context, a refused port, and a server that
accepts connections and never answers (the socket timeout bounds it). Prints seconds per case.
Run: .venv/bin/python benchmarks/k8s_check_unreachable.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def kubeconfig(folder: Path, server: str) -> Path:
    path = folder / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": "benchmark"}}],
                "contexts": [{"name": "avion-staging", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    return path


def timed(config: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "k8s.check", "--env", "staging"],
        cwd=ROOT,
        capture_output=True,
        check=False,
        env={**os.environ, "KUBECONFIG": str(config)},
    )
    return time.perf_counter() - start, result.returncode


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as hung, socket.socket() as probe:
        folder = Path(tmp)
        probe.bind(("127.0.0.1", 0))
        refused = probe.getsockname()[1]
        probe.close()
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        cases = {
            "no context": folder / "absent",
            "refused port": kubeconfig(folder, f"https://127.0.0.1:{refused}"),
        }
        hung_dir = folder / "hung"
        hung_dir.mkdir()
        cases["hung server"] = kubeconfig(hung_dir, f"https://127.0.0.1:{hung.getsockname()[1]}")
        for name, config in cases.items():
            seconds, code = timed(config)
            print(f"{name:14} exit {code}  {seconds:.2f} s")


if __name__ == "__main__":
    main()
