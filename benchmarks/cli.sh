#!/usr/bin/env bash
# Measures the everyday commands' latency: `inv --list` (goal < 0.5 s, lazy imports),
# `inv config.validate`, and `inv render --check` / a no-op `inv render`.
# Needs hyperfine (apt-get install hyperfine). Usage: benchmarks/cli.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
inv=.venv/bin/inv
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install hyperfine" >&2; exit 1; }
hyperfine --warmup 2 --runs "$runs" --export-markdown /tmp/avion-cli-bench.md \
  "$inv --list" \
  "$inv config.validate" \
  "$inv render --check" \
  "$inv render"
cat /tmp/avion-cli-bench.md
