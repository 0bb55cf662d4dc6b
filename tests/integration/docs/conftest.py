"""The documentation run's summary: how many documented commands and examples ran, how many are
marked not-runnable, and why (printed at the end of every pytest run that includes these tests)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.docs.ledger import LEDGER


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.entries:
        return
    write = terminalreporter.write_line
    terminalreporter.section("documented commands and examples")
    counts = Counter((e.kind, e.outcome) for e in LEDGER.entries)
    write(
        f"executed: {counts['shell', 'ran']} shell blocks ({LEDGER.commands} commands), "
        f"{counts['python', 'ran']} python examples; "
        f"not-runnable: {counts['shell', 'marked'] + counts['python', 'marked']}; "
        f"failed: {counts['shell', 'failed'] + counts['python', 'failed']}"
    )
    if LEDGER.inline:
        write(f"parsed: {LEDGER.inline} inline `inv`/`nox` commands in prose")
    for entry in LEDGER.entries:
        if entry.outcome == "marked":
            write(f"  not-runnable {entry.label}: {entry.reason}")
    for entry in LEDGER.entries:
        if entry.outcome == "failed":
            write(f"  FAILED {entry.label}")
