"""What YAML emission costs in the render of 200 services: the engine's writer against libyaml.

Builds a temporary 200-service workspace (as benchmarks/render_scale.py does), records every
document the render plan writes through ``to_yaml``, then times writing them all with
``libyaml_yaml`` (the reference: PyYAML nodes serialised by libyaml) and with ``to_yaml``
(the engine's own writer), best of ROUNDS, in CPU seconds; counts the documents ``to_yaml``
hands to libyaml; and times the in-process ``render --check`` with each.
Usage: .venv/bin/python benchmarks/yaml_emit.py [ROUNDS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from render_scale import check_seconds, workspace

from avion_workspace.render import infrastructure, plan_for, yamlout


def documents(config: Path) -> list[Any]:
    recorded: list[Any] = []

    def recording(data: Any) -> str:
        recorded.append(data)
        return yamlout.to_yaml(data)

    with mock.patch.object(infrastructure, "to_yaml", recording):
        plan_for(config)
    return recorded


def emit_seconds(write: Callable[[Any], str], docs: list[Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for data in docs:
            write(data)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="avion-yaml-emit-") as tmp:
        root, config = workspace(Path(tmp), 200)
        docs = documents(config)
        fallbacks: list[Any] = []
        reference = yamlout.libyaml_yaml

        def counting(data: Any) -> str:
            fallbacks.append(data)
            return reference(data)

        with mock.patch.object(yamlout, "libyaml_yaml", counting):
            same = all(yamlout.to_yaml(data) == reference(data) for data in docs)
        print(f"{len(docs)} documents; identical to libyaml's: {same}")
        print(f"documents handed to libyaml by to_yaml: {len(fallbacks)}")
        print(f"libyaml_yaml: {emit_seconds(reference, docs, rounds):.3f} s CPU (best of {rounds})")
        print(f"to_yaml:      {emit_seconds(yamlout.to_yaml, docs, rounds):.3f} s CPU")
        check_seconds(root, config)  # warm
        with mock.patch.object(infrastructure, "to_yaml", reference):
            before = min(check_seconds(root, config) for _ in range(rounds))
        after = min(check_seconds(root, config) for _ in range(rounds))
        print(f"render --check in process, 200 services, with libyaml_yaml: {before:.3f} s CPU")
        print(f"render --check in process, 200 services, with to_yaml:      {after:.3f} s CPU")


if __name__ == "__main__":
    main()
