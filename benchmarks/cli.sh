#!/usr/bin/env bash
# Measures the everyday commands' latency: `inv --list` (goal < 0.5 s, lazy imports),
# `inv config.validate`, and `inv render --check` (goal <= 0.4 s for the ten services) / a no-op
# `inv render`. Prints wall and CPU (user + sys) time of each.
# Needs hyperfine (apt-get install hyperfine). Usage: benchmarks/cli.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
inv=.venv/bin/inv
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install hyperfine" >&2; exit 1; }
# A developer's shell writes bytecode; some sandboxes set PYTHONDONTWRITEBYTECODE, which would
# time compiling the engine from source on every run instead (the warm-up runs write it).
unset PYTHONDONTWRITEBYTECODE
out="$(mktemp -d /tmp/avion-cli-bench-XXXXXX)"
trap 'rm -rf "$out"' EXIT
hyperfine --warmup 2 --runs "$runs" --export-markdown "$out/cli.md" --export-json "$out/cli.json" \
  "$inv --list" \
  "$inv config.validate" \
  "$inv render --check" \
  "$inv render"
cat "$out/cli.md"
# wall time measures the neighbours too on a shared machine: CPU time (user + sys) is the cost
.venv/bin/python benchmarks/summary.py "$out/cli.json"
