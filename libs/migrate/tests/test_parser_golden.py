"""Golden tests of the goose SQL parser: golden/<case>.sql parsed, compared with <case>.golden.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest libs/migrate/tests`` and
review the diff: a golden file is a claim about goose's behaviour.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationError
from avion_migrate.parser import ParsedMigration, Statement, parse_migration

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.sql"))
# The environment ENVSUB sections see (the same names goose's own envsub tests use).
ENV = {
    "GOOSE_ENV_REGION": "us_east_",
    "GOOSE_ENV_SET_BUT_EMPTY_VALUE": "",
    "GOOSE_ENV_NAME": "foo",
}


def _lines(statement: Statement) -> str:
    first, last = statement.lines[0], statement.lines[-1]
    return f"line {first}" if first == last else f"lines {first}-{last}"


def render(parsed: ParsedMigration) -> str:
    out = [f"use_tx: {str(parsed.use_tx).lower()}"]
    for direction, statements in (("up", parsed.up), ("down", parsed.down)):
        for index, statement in enumerate(statements, start=1):
            out.append(f"== {direction} {index} ({_lines(statement)})")
            out.append(statement.sql)
    return "\n".join(out) + "\n"


def outcome(case: str) -> str:
    path = GOLDEN / f"{case}.sql"
    try:
        parsed = parse_migration(path.read_bytes().decode(), file=path.name, env=ENV)
    except MigrationError as exc:
        return exc.render() + "\n"
    return render(parsed)


@pytest.mark.parametrize("case", CASES)
def test_parser_matches_golden(case: str) -> None:
    golden = GOLDEN / f"{case}.golden"
    actual = outcome(case)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(actual, encoding="utf-8", newline="")
    assert golden.exists(), f"no golden file for {case}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_bytes().decode("utf-8")


def test_error_cases_are_named_error() -> None:
    """Cases named error_* must fail, the others must parse: the name states the claim."""
    for case in CASES:
        failed = outcome(case).startswith(f"{case}.sql:")
        assert failed == case.startswith("error_"), case


def test_every_golden_has_an_input() -> None:
    orphans = {p.stem for p in GOLDEN.glob("*.golden")} - set(CASES)
    assert not orphans
