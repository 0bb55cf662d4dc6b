#!/usr/bin/env bash
# Cold and warm `inv setup` with the native backend, several runs each (hyperfine).
#
#   cold: no .avion/ and no .env (a fresh clone): initdb, start every server, create the roles,
#         databases, ACL users and buckets, migrate every service database.
#   warm: everything already up and current: a re-run that changes nothing.
#
# Goals on a 2-core machine: cold < 15 s including migrations, warm <= 0.7 s. Prints wall and
# CPU (user + sys) time.
# Runs in a throwaway copy of the workspace whose components listen on free ports, so the
# developer's own .avion/ and ports are never touched. Needs hyperfine (apt-get install
# hyperfine) and the native stack's servers (`inv infra.install`: the pinned PostgreSQL,
# versitygw and meilisearch in .tools/, redis-server from apt).
#
# Usage: benchmarks/setup.sh [RUNS]   (default 5; RESULTS=dir also writes hyperfine JSON there;
#        WARM_ONLY=1 skips the cold runs)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-5}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
INV="$(dirname "$PY")/inv"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install hyperfine" >&2; exit 1; }

WS="$(mktemp -d /tmp/avion-bench-XXXXXX)"
chmod 755 "$WS"  # PostgreSQL runs as an unprivileged user when we are root: it must enter WS
cleanup() { (cd "$WS" && "$INV" infra.down >/dev/null 2>&1) || true; rm -rf "$WS"; }
trap cleanup EXIT

# A copy of the workspace: tasks, config, generated files, migrations; every port free.
"$PY" - "$ROOT" "$WS" <<'EOF'
import json, shutil, socket, sys
from pathlib import Path

root, ws = Path(sys.argv[1]), Path(sys.argv[2])
shutil.copy(root / "tasks.py", ws)
shutil.copytree(root / "config", ws / "config")
for rel in json.loads((root / ".render-manifest.json").read_text())["files"]:
    (ws / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / rel, ws / rel)
shutil.copy(root / ".render-manifest.json", ws)
for migrations in root.glob("services/*/migrations"):
    shutil.copytree(migrations, ws / migrations.relative_to(root), dirs_exist_ok=True)
def free():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
p = [free() for _ in range(5)]
(ws / "config/environments/local.yaml").write_text(
    "services: {}\n"
    f"postgres: {{local_port: {p[0]}}}\nredis: {{local_port: {p[1]}}}\n"
    f"object_storage: {{local_port: {p[2]}, local_console_port: {p[3]}}}\nsearch: {{local_port: {p[4]}}}\n"
)
EOF

export PATH="$ROOT/.tools/bin:$PATH" NO_COLOR=1
# the copy's ports are the free ones chosen above: this machine's override (copied with
# config/) must not move them back onto the developer's own stack
export AVION_LOCAL_OVERRIDE=off
# the copy has no .tools/ of its own: it runs this workspace's pinned PostgreSQL
pg_programs=("$ROOT"/.tools/postgres-*/bin/postgres)  # the glob sorts: the last is the newest pin
AVION_PG_BIN="$(dirname "${pg_programs[-1]}")"
export AVION_PG_BIN
# A developer's shell writes bytecode; some sandboxes set PYTHONDONTWRITEBYTECODE, which would
# time compiling the engine from source on every run instead.
unset PYTHONDONTWRITEBYTECODE
# hyperfine options exporting each run's JSON (to RESULTS when it names a folder): the summary
# at the end reads it (an array: no splitting)
OUT="${RESULTS:-$WS/results}"
mkdir -p "$OUT"
export_json() {
  json=("--export-json=$OUT/setup-$1.json")
}
cd "$WS"

if [ "${WARM_ONLY:-}" = 1 ]; then
  "$INV" setup --backend native >/dev/null
else
echo "== cold inv setup (no .avion/, no .env), $RUNS runs"
export_json cold
hyperfine --runs "$RUNS" --shell=bash \
  --prepare "'$INV' infra.down >/dev/null 2>&1 || true; rm -rf '$WS/.avion' '$WS/.env'" \
  "${json[@]}" \
  "'$INV' setup --backend native >/dev/null"
fi

echo "== warm inv setup (everything up and current), $RUNS runs"
export_json warm
hyperfine --runs "$RUNS" --warmup 1 --shell=bash \
  "${json[@]}" \
  "'$INV' setup --backend native >/dev/null"

# wall time measures the neighbours too on a shared machine: CPU time (user + sys) is the cost
"$PY" "$ROOT/benchmarks/summary.py" "$OUT"/setup-*.json
