"""How `render --check` scales with the number of services (goal: 200 services <= 3x 10).

Builds two temporary workspaces from the real config, with 10 and with 200 services (each with
its own database and Redis, like the real ones), renders each once, then times the check of
both in this one process (the engine alone), then the whole `inv render --check` command on
each (what a developer waits for), best of ROUNDS alternating runs, without and then with the stamp of the last
render in .avion/ (as after `inv setup`). CPU time is the figure, wall time is printed beside
it: on a shared machine wall time measures the neighbours. Also prints the generated lines
per service, from the plan (the files the manifest lists under services/<name>/).
Usage: .venv/bin/python benchmarks/render_scale.py [ROUNDS]
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from avion_workspace.render import plan_for, render, render_check

ROOT = Path(__file__).resolve().parents[1]


def workspace(base: Path, count: int) -> tuple[Path, Path]:
    """A workspace under ``base`` whose config declares ``count`` services."""
    root = base / f"ws{count}"
    config = root / "config"
    # this machine's override names this machine's services: not part of the benchmark
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("local.override.yaml"))
    shutil.copy(ROOT / "tasks.py", root / "tasks.py")
    data = yaml.safe_load((config / "platform.yaml").read_text())
    data["postgres"]["databases"] = {}
    data["services"] = {}
    for index in range(count):
        name = f"svc-{index:03d}"
        database = f"avion_svc_{index:03d}_db"
        data["postgres"]["databases"][database] = {"owner": f"avion_svc_{index:03d}"}
        data["services"][name] = {
            "description": f"Benchmark service {index}",
            "local_ports": {"http": 10000 + index, "grpc": 20000 + index},
            "database": database,
            "redis": ["cache", "queue"],
        }
    (config / "platform.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    for overlay in (config / "environments").glob("*.yaml"):
        text = yaml.safe_load(overlay.read_text()) or {}
        text.pop("services", None)  # the real overlays name real services
        overlay.write_text(yaml.safe_dump(text, sort_keys=False))
    # the team's files `inv service.new` would create, which `inv render` requires
    for index in range(count):
        package = root / "services" / f"svc-{index:03d}" / "src" / f"avion_svc_{index:03d}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "api.py").write_text("")
    render(root, config)
    return root, config


def check_seconds(root: Path, config: Path) -> float:
    start = time.process_time()
    render_check(root, config)
    return time.process_time() - start


def command_times(root: Path) -> tuple[float, float]:
    """CPU and wall time of the whole `inv render --check` process (interpreter, imports and all)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "inv"), "render", "--check"],
        cwd=root,
        check=True,
        capture_output=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def best(root: Path, rounds: int) -> tuple[float, float]:
    """The best CPU and the best wall time of ``rounds`` runs of the command."""
    runs = [command_times(root) for _ in range(rounds)]
    return min(cpu for cpu, _ in runs), min(wall for _, wall in runs)


def best_interleaved(
    small: Path, large: Path, rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """:func:`best` of both workspaces, their runs alternating after one warm-up run each: a
    machine whose speed drifts (a shared host, frequency scaling) then shifts both figures
    alike instead of the ratio."""
    command_times(small)
    command_times(large)
    runs = [(command_times(small), command_times(large)) for _ in range(rounds)]
    return (
        (min(s[0] for s, _ in runs), min(s[1] for s, _ in runs)),
        (min(g[0] for _, g in runs), min(g[1] for _, g in runs)),
    )


def lines_per_service(config: Path) -> int:
    plan = plan_for(config)
    lines: dict[str, int] = {}
    for path, generated in plan.files.items():
        if path.startswith("services/"):
            name = path.split("/")[1]
            lines[name] = lines.get(name, 0) + generated.content.decode().count("\n")
    return max(lines.values())


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="avion-render-scale-") as tmp:
        small = workspace(Path(tmp), 10)
        large = workspace(Path(tmp), 200)
        check_seconds(*small)  # warm: imports, template compilation
        best_small = min(check_seconds(*small) for _ in range(rounds))
        best_large = min(check_seconds(*large) for _ in range(rounds))
        print(f"render --check, 10 services:  {best_small:.3f} s CPU (best of {rounds})")
        print(f"render --check, 200 services: {best_large:.3f} s CPU (best of {rounds})")
        print(f"ratio in process: {best_large / best_small:.2f}x")
        (whole_small, wall_small), (whole_large, wall_large) = best_interleaved(
            small[0], large[0], rounds
        )
        print(
            f"inv render --check, 10 services:  {whole_small:.3f} s CPU, {wall_small:.3f} s wall "
            f"(best of {rounds}; no stamp: a fresh clone, CI)"
        )
        print(
            f"inv render --check, 200 services: {whole_large:.3f} s CPU, {wall_large:.3f} s wall "
            f"(best of {rounds}; no stamp)"
        )
        print(f"ratio of the command: {whole_large / whole_small:.2f}x (goal <= 3x)")
        # A workspace after `inv setup` keeps its state in .avion/: the first check writes the
        # stamp of the render, later ones find nothing changed (goal <= 0.4 s for 10 services).
        (small[0] / ".avion").mkdir()
        command_times(small[0])
        warm_cpu, warm_wall = best(small[0], rounds)
        print(
            f"inv render --check, 10 services, stamp current: {warm_cpu:.3f} s CPU, "
            f"{warm_wall:.3f} s wall (best of {rounds}; goal <= 0.4 s)"
        )
        print(f"generated lines per service: {lines_per_service(small[1])} (goal <= 150)")


if __name__ == "__main__":
    main()
