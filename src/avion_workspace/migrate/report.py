"""Text and JSON for the migration commands' results. Pure: values in, strings out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from avion_migrate.runner import (
    MigrationStatus,
    Outcome,
    RunResult,
    StatusReport,
)

from avion_workspace.migrate.validate import FileSummary


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def ansic(moment: datetime) -> str:
    """Go's time.ANSIC layout, as goose status prints it: ``Mon Jan  2 15:04:05 2006``."""
    return f"{moment:%a %b} {moment.day:>2} {moment:%H:%M:%S %Y}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def format_run(result: RunResult) -> str:
    lines: list[str] = []
    verb = result.command.value
    if result.dry_run:
        lines.append(
            f"{result.target}: dry run of {verb}: version {result.before} -> {result.after}, "
            f"{_plural(len(result.steps), 'file')} (nothing was changed)"
        )
        for step in result.steps:
            mode = "transaction" if step.use_tx else "NO TRANSACTION"
            lines.append(
                f"  {step.direction.value:<4} {step.file} ({mode}, "
                f"{_plural(len(step.statements), 'statement')})"
            )
            for index, statement in enumerate(step.statements, start=1):
                lines.append(f"    -- statement {index} (line {statement.line})")
                lines.extend(f"    {text}" for text in statement.sql.splitlines())
    elif not result.steps:
        lines.append(f"{result.target}: no migrations to run; current version: {result.after}")
    else:
        lines.append(f"{result.target}: {verb}: version {result.before} -> {result.after}")
        for step in result.steps:
            state = "OK   " if step.statements else "EMPTY"
            lines.append(f"  {state} {step.direction.value:<4} {step.file} ({_ms(step.duration)})")
    lines.extend(
        f"  warning: {issue.file} (version {issue.version}) was edited after it was applied"
        for issue in result.edited
    )
    return "\n".join(lines)


def format_status(report: StatusReport) -> str:
    lines = [f"{report.target}: version {report.current_version}"]
    if not report.table_exists:
        lines[0] += " (no goose_db_version table yet)"
    lines.append("    Applied At                  Migration")
    lines.append("    =======================================")
    for item in report.migrations:
        when = ansic(item.applied_at) if item.applied_at else item.state.capitalize()
        if item.state == "missing":
            when = "Pending (missing)"
        name = item.file or f"version {item.version} (no file)"
        note = ""
        if item.checksum == "edited":
            note = "  [edited after it was applied]"
        elif item.checksum == "untracked":
            note = "  [no checksum: applied outside this workspace]"
        lines.append(f"    {when:<24} -- {name}{note}")
    return "\n".join(lines)


def _status_item(item: MigrationStatus) -> dict[str, Any]:
    return {
        "version": item.version,
        "file": item.file,
        "state": item.state,
        "applied_at": item.applied_at.isoformat() if item.applied_at else None,
        "checksum": item.checksum,
    }


def status_json(reports: Sequence[StatusReport]) -> str:
    return json.dumps(
        [
            {
                "target": r.target,
                "current_version": r.current_version,
                "version_table": r.table_exists,
                "migrations": [_status_item(m) for m in r.migrations],
            }
            for r in reports
        ],
        indent=2,
    )


def format_validate(directory: str, summaries: Sequence[FileSummary]) -> str:
    rows = [("Txn", "Up", "Down", "Name")]
    rows += [("yes" if s.use_tx else "NO", str(s.up), str(s.down), s.file) for s in summaries]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{directory}: {_plural(len(summaries), 'migration')} valid"]
    for row in rows:
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[3]
        )
    return "\n".join(lines)


def format_summary(outcomes: Sequence[Outcome[Any]]) -> str:
    """The per-service table of a ``--all`` run."""
    width = max((len(o.target.name) for o in outcomes), default=0)
    lines = ["summary:"]
    for outcome in outcomes:
        name = outcome.target.name.ljust(width)
        value = outcome.value
        if outcome.error is not None:
            detail = f"FAILED  {outcome.error.message}"
        elif isinstance(value, RunResult):
            moved = _plural(len(value.steps), "file")
            detail = f"ok      {value.before} -> {value.after}  {moved}"
        elif isinstance(value, StatusReport):
            pending = sum(1 for m in value.migrations if m.state in ("pending", "missing"))
            detail = f"ok      version {value.current_version}, {pending} pending"
        else:
            detail = f"ok      {value}"
        lines.append(f"  {name}  {detail}  ({_ms(outcome.duration)})")
    return "\n".join(lines)
