"""How long the config loader takes to reject an alias bomb (goal: well under a second).

A timed assertion does not belong in the tests (tests/unit/config/test_loader.py checks that
the work stops at MAX_EXPANDED_NODES); this measures the wall time.
Usage: .venv/bin/python benchmarks/alias_bomb.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time

from avion_workspace.config.loader import load_text
from avion_workspace.errors import ConfigError


def bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    text = bomb()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            load_text(text, "bomb.yaml")
        except ConfigError:
            pass
        else:
            raise SystemExit("the alias bomb was accepted")
        times.append(time.perf_counter() - start)
    print(
        f"alias bomb rejected: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms over {rounds} rounds"
    )


if __name__ == "__main__":
    main()
