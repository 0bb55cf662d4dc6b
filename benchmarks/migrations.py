"""Benchmark: all ten services' migrations onto fresh databases, this engine against goose.

    .venv/bin/python benchmarks/migrations.py [--rounds 5] [--fast] [--goose PATH]

One real PostgreSQL server (from the machine's binaries) in a temp dir. Each round creates fresh
databases and measures:

- goose: ``goose up`` run once per database, in sequence (wall time of each process);
- avion ``--all``: one process (interpreter start and imports included) migrating every
  database in parallel, as ``inv migrate.up --all`` does;
- avion per database: ``migrate(..., UP)`` on one database at a time, in-process.

Medians over the rounds are reported with the ratios. Goal: ``--all`` faster than goose's
sequence overall, and each database within 1.5x of goose.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = (
    "auth",
    "user",
    "drop",
    "timeline",
    "notification",
    "media",
    "search",
    "moderation",
    "community",
    "system-admin",
)


def folder(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


def run_engine(spec: str) -> None:
    """Child mode: migrate every target of the JSON spec in parallel; print JSON durations."""
    from avion_migrate.runner import Command, RunOptions, Target, migrate, run_each

    targets = [Target(t["name"], Path(t["dir"]), t["dsn"]) for t in json.loads(spec)]
    options = RunOptions()
    outcomes = run_each(targets, lambda t: migrate(t, Command.UP, options=options))
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        raise SystemExit("\n".join(o.error.render() for o in failed if o.error))
    print(json.dumps({o.target.name: o.duration for o in outcomes}))


def find_goose(explicit: str | None) -> Path:
    from avion_workspace.tools import find_tool

    if explicit:
        return Path(explicit)
    found = find_tool(ROOT, "goose")
    if found is None:
        raise SystemExit(
            "goose not found: GOBIN=$PWD/.tools/bin "
            "go install github.com/pressly/goose/v3/cmd/goose@v3.26.0"
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fast", action="store_true", help="fsync off (default: durable)")
    parser.add_argument("--goose", help="goose binary (default: .tools/bin/goose or PATH)")
    parser.add_argument("--run-engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_engine:
        run_engine(args.run_engine)
        return

    from avion_migrate.runner import Command, RunOptions, Target, migrate

    from avion_workspace.infra.postgres import PostgresServer

    goose = find_goose(args.goose)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOOSE_")} | {"NO_COLOR": "1"}
    goose_ms: dict[str, list[float]] = {s: [] for s in SERVICES}
    ours_ms: dict[str, list[float]] = {s: [] for s in SERVICES}
    goose_total: list[float] = []
    all_total: list[float] = []

    with PostgresServer.in_temp_dir(durable=not args.fast) as server:
        for round_ in range(args.rounds):

            def fresh(prefix: str, round_: int = round_) -> dict[str, str]:
                dsns = {}
                for service in SERVICES:
                    name = f"{prefix}_{round_}_{service.replace('-', '_')}"
                    dsns[service] = server.create_database(name)
                return dsns

            # goose, one process per database, in sequence
            dsns = fresh("goose")
            started = time.perf_counter()
            for service in SERVICES:
                one = time.perf_counter()
                subprocess.run(
                    [str(goose), "-env=none", "-dir", str(folder(service)), "postgres",
                     dsns[service] + "?sslmode=disable", "up"],
                    check=True, capture_output=True, env=env, cwd=ROOT,
                )  # fmt: skip
                goose_ms[service].append((time.perf_counter() - one) * 1000)
            goose_total.append((time.perf_counter() - started) * 1000)

            # avion --all: one process, every database in parallel
            dsns = fresh("all")
            spec = json.dumps(
                [{"name": s, "dir": str(folder(s)), "dsn": dsns[s]} for s in SERVICES]
            )
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--run-engine", spec],
                check=True, capture_output=True, cwd=ROOT,
            )  # fmt: skip
            all_total.append((time.perf_counter() - started) * 1000)

            # avion per database, one at a time (engine already imported)
            dsns = fresh("ours")
            for service in SERVICES:
                one = time.perf_counter()
                migrate(Target(service, folder(service), dsns[service]), Command.UP,
                        options=RunOptions())  # fmt: skip
                ours_ms[service].append((time.perf_counter() - one) * 1000)

    print(
        f"{args.rounds} rounds, medians, {'fsync off' if args.fast else 'durable'} server\n"
        f"{'service':<14}{'goose ms':>10}{'avion ms':>10}{'ratio':>8}"
    )
    worst = 0.0
    for service in SERVICES:
        g, o = statistics.median(goose_ms[service]), statistics.median(ours_ms[service])
        worst = max(worst, o / g)
        print(f"{service:<14}{g:>10.1f}{o:>10.1f}{o / g:>8.2f}")
    g_total, a_total = statistics.median(goose_total), statistics.median(all_total)
    print(
        f"\ngoose, 10 databases in sequence:       {g_total:8.1f} ms\n"
        f"avion --all (one process, parallel):   {a_total:8.1f} ms"
        f"   ratio {a_total / g_total:.2f}\n"
        f"worst per-database ratio avion/goose:  {worst:.2f} (goal <= 1.5)"
    )


if __name__ == "__main__":
    main()
