"""Print wall and CPU time (user + system) of each command in hyperfine JSON exports.

On a shared machine wall time also measures the neighbours; CPU time is this command's own
cost. Both are printed, as mean and best run (hyperfine records CPU as a mean only).
Usage: python benchmarks/summary.py RESULT.json [...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    print(f"{'command':<48} {'wall mean':>10} {'wall min':>9} {'CPU mean':>9}")
    for path in paths:
        for result in json.loads(Path(path).read_text())["results"]:
            command = result["command"]
            command = command if len(command) <= 48 else "..." + command[-45:]
            cpu = result["user"] + result["system"]
            print(f"{command:<48} {result['mean']:>9.3f}s {result['min']:>8.3f}s {cpu:>8.3f}s")


if __name__ == "__main__":
    main(sys.argv[1:])
