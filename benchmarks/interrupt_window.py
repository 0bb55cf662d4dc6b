"""How long after its start a Ctrl-C to ``inv`` still gets Python's default (a traceback).

Two scripts are run: the venv's ``inv`` (the workspace's launcher ``bin/inv``, which starts
Python with SIGINT blocked until ``avion_workspace.cli`` has its handler) and one written like
invoke's own console script (``from invoke.main import program``), which the venv had before. Each runs ``inv --list`` and gets SIGINT at delays from 0 to 250 ms after it is
started, a few times per delay. Prints, per script, how many runs ended each way, and the
largest delay at which Python's default (a traceback) or a silent death before any handler was
seen. The
same delays put the interpreter's own start-up in context: ``python -c pass`` and
``python -c "import re, sys; import avion_workspace.cli"`` (what the script runs before its
handler) are timed too. A loaded machine stretches every number; compare scripts within a run.

Run: .venv/bin/python benchmarks/interrupt_window.py [runs-per-delay]
"""

from __future__ import annotations

import collections
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DELAYS = [i * 0.005 for i in range(51)]


def outcome(code: int, out: str, err: str) -> str:
    if code == 0:
        return "completed"
    if code == -signal.SIGINT and "Available tasks" in out and not err:
        return "completed (the signal came during the interpreter's shutdown)"
    if code == 130 and "Traceback" not in err:
        return "exit 130"
    if "Traceback" in err or "Fatal Python error" in err:
        return "Python's default: traceback"
    if code == -signal.SIGINT and not err.strip():
        # the workspace's launcher shell before it starts Python, or Python before its own
        # handler: silent, and a shell reports 130
        return "killed silently before any handler"
    return f"other (exit {code})"


def sweep(script: Path, runs: int) -> tuple[collections.Counter[str], float | None]:
    counts: collections.Counter[str] = collections.Counter()
    latest: float | None = None
    for delay in DELAYS:
        for _ in range(runs):
            proc = subprocess.Popen(
                [str(script), "--list"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
            out, err = proc.communicate()
            kind = outcome(proc.returncode, out, err)
            counts[kind] += 1
            if kind.startswith("Python's default") or kind.startswith("killed"):
                latest = delay
    return counts, latest


def median_ms(argv: list[str], runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    python = str(BIN / "python")
    print(f"python -c pass: {median_ms([python, '-c', 'pass']):.1f} ms (median wall)")
    before = "import re, sys; import avion_workspace.cli"
    print(f"python -c {before!r}: {median_ms([python, '-c', before]):.1f} ms")
    print(f"inv --list: {median_ms([str(BIN / 'inv'), '--list']):.1f} ms")
    with tempfile.TemporaryDirectory() as folder:
        invokes = Path(folder) / "inv"
        invokes.write_text(
            f"#!{python}\nimport re\nimport sys\nfrom invoke.main import program\n"
            "if __name__ == '__main__':\n    sys.exit(program.run())\n"
        )
        invokes.chmod(0o755)
        for label, script in (("workspace's inv", BIN / "inv"), ("invoke's own script", invokes)):
            counts, latest = sweep(script, runs)
            total = sum(counts.values())
            print(f"\n{label}: {total} runs, SIGINT at 0-{DELAYS[-1] * 1000:.0f} ms")
            for kind, count in sorted(counts.items()):
                print(f"  {kind}: {count}")
            shown = "never" if latest is None else f"{latest * 1000:.0f} ms"
            print(f"  latest delay with a traceback or a silent death: {shown}")


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    main()
