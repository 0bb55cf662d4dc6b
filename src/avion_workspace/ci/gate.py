"""The single required check: did every job the gate waits for succeed (or skip on purpose)?

GitHub hands the gate ``toJSON(needs)``: ``{job: {"result": ..., "outputs": {...}}}``. A job
that failed or was cancelled fails the gate; a skipped job does not (the per-service matrix is
skipped when a change affects no service).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from avion_workspace.errors import AvionError

PASSING = ("success", "skipped")


def parse_needs(text: str) -> Mapping[str, Any]:
    from avion_workspace.pathpolicy import MAX_JSON_DEPTH, json_too_deep

    deep = json_too_deep(text)
    if deep is not None:
        raise AvionError(
            f"NEEDS is nested deeper than {MAX_JSON_DEPTH} levels (line {deep[0]}, "
            f"column {deep[1]})",
            hint="set NEEDS: ${{ toJSON(needs) }} on the job",
        )
    try:
        needs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AvionError(
            f"NEEDS is not JSON: {exc}", hint="set NEEDS: ${{ toJSON(needs) }} on the job"
        ) from None
    if not isinstance(needs, dict) or not all(isinstance(v, dict) for v in needs.values()):
        raise AvionError(
            "NEEDS is not a mapping of jobs", hint="set NEEDS: ${{ toJSON(needs) }} on the job"
        )
    if not needs:  # a gate that waits for nothing would pass whatever happened
        raise AvionError(
            "NEEDS lists no jobs: the gate would pass without checking anything",
            hint="list the jobs in the gate's `needs:` and set NEEDS: ${{ toJSON(needs) }}",
        )
    return needs


def gate_failures(needs: Mapping[str, Any]) -> list[str]:
    """``job: result`` for every job that did not pass, in job order."""
    return [
        f"{job}: {info.get('result', 'unknown')}"
        for job, info in needs.items()
        if info.get("result") not in PASSING
    ]
