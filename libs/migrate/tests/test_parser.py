"""The goose parser's rules, one by one, and a cross-check against goose's own test data."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationParseError
from avion_migrate.parser import (
    Annotation,
    Direction,
    ends_with_semicolon,
    extract_annotation,
    parse_direction,
    parse_migration,
    split_lines,
)
from hypothesis import given
from hypothesis import strategies as st

GOOSE_VERSION = "v3.26.0"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # goose's TestSemicolons
        ("END;", True),
        ("END; -- comment", True),
        ("END   ; -- comment", True),
        ("END -- comment", False),
        ("END -- comment ;", False),
        ('END " ; " -- comment', False),
        # words split on Go's whitespace, the comment must start a word
        ("END;--comment", False),
        ("\tEND;\u3000", True),
        ("", False),
    ],
)
def test_statement_end_is_the_last_word_before_a_comment(line: str, expected: bool) -> None:
    assert ends_with_semicolon(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-- +goose Up", Annotation.UP),
        ("-- +goose Down", Annotation.DOWN),
        ("-- +goose StatementBegin", Annotation.STATEMENT_BEGIN),
        ("-- +goose NO TRANSACTION", Annotation.NO_TRANSACTION),
        ("-- +goose   UP \t", Annotation.UP),
        ("--+goose envsub on", Annotation.ENVSUB_ON),
        ("-- +goose ENVSUB OFF --", Annotation.ENVSUB_OFF),
    ],
)
def test_annotations_are_case_insensitive_and_trimmed(line: str, expected: Annotation) -> None:
    assert extract_annotation(line) is expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("-- +goose unsupported", "unknown annotation 'unsupported'"),
        ("-- +goose", "empty '-- +goose' annotation"),
        (" -- +goose   UP \t", "annotation must start at the beginning of the line"),
        ("\t-- +goose   UP \t", "annotation must start at the beginning of the line"),
        ("-- +goose +goose Up", "more than one '+goose' on one line"),
        ("-- +goose NO  TRANSACTION", "unknown annotation 'NO  TRANSACTION'"),
    ],
)
def test_invalid_annotations_say_why(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("+", r"\+")):
        extract_annotation(line)


def test_lines_split_like_go_scanner() -> None:
    assert split_lines("a\r\nb\n\nc") == ["a", "b", "", "c"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\r\r\n") == ["a\r"]
    assert split_lines("") == []


def test_parse_error_is_located_and_rendered_with_file_and_line() -> None:
    text = "-- +goose Up\nSELECT 1;\nSELECT 2\n"
    with pytest.raises(MigrationParseError) as caught:
        parse_migration(text, file="db/00001_x.sql", env={})
    assert (caught.value.file, caught.value.line) == ("db/00001_x.sql", 3)
    assert caught.value.render().splitlines()[0] == (
        "db/00001_x.sql:3: unfinished statement starting here: missing semicolon?"
    )


def test_unfinished_down_statement_is_caught_though_up_alone_would_pass() -> None:
    """goose's CLI parses only the direction it runs; parsing both finds the broken Down."""
    text = "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE t\n"
    up, _ = parse_direction(text, Direction.UP, file="x.sql", env={})
    assert [s.sql for s in up] == ["SELECT 1;"]
    with pytest.raises(MigrationParseError) as caught:
        parse_migration(text, file="x.sql", env={})
    assert (caught.value.line, caught.value.reason) == (
        4,
        "unfinished statement starting here: missing semicolon?",
    )


def test_no_transaction_anywhere_applies_to_both_directions() -> None:
    text = "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- +goose NO TRANSACTION\nSELECT 2;\n"
    assert parse_migration(text, file="x.sql", env={}).use_tx is False


def test_statement_maps_postgres_positions_to_file_lines() -> None:
    text = "-- +goose Up\n\nCREATE TABLE t (\n  id int,\n  oops\n);\n"
    (statement,) = parse_migration(text, file="x.sql", env={}).up
    assert statement.lines == (3, 4, 5, 6)
    position = statement.sql.index("oops") + 1
    assert statement.line_at(position) == 5
    assert statement.line_at(1) == 3


def test_envsub_substitutes_only_between_on_and_off() -> None:
    text = (
        "-- +goose Up\nSELECT '$A';\n-- +goose ENVSUB ON\nSELECT '$A';\n"
        "-- +goose ENVSUB OFF\nSELECT '$A';\n"
    )
    up = parse_migration(text, file="x.sql", env={"A": "a"}).up
    assert [s.sql for s in up] == ["SELECT '$A';", "SELECT 'a';", "SELECT '$A';"]


def _goose_testdata() -> Path | None:
    roots = []
    if os.environ.get("GOMODCACHE"):
        roots.append(Path(os.environ["GOMODCACHE"]))
    try:
        out = subprocess.run(
            ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=False, timeout=30
        )
        if out.stdout.strip():
            roots.append(Path(out.stdout.strip()))
    except OSError:
        pass
    roots.append(Path.home() / "go" / "pkg" / "mod")
    for root in roots:
        candidate = (
            root / f"github.com/pressly/goose/v3@{GOOSE_VERSION}/internal/sqlparser/testdata"
        )
        if candidate.is_dir():
            return candidate
    return None


GOOSE_ENV = {
    "GOOSE_ENV_REGION": "us_east_",
    "GOOSE_ENV_SET_BUT_EMPTY_VALUE": "",
    "GOOSE_ENV_NAME": "foo",
}


def test_matches_goose_own_parser_test_data(unavailable: Callable[[str], None]) -> None:
    """goose's golden statements, read from the module cache `go install` fills (not copied)."""
    testdata = _goose_testdata()
    if testdata is None:
        message = (
            f"goose {GOOSE_VERSION} sources not in the Go module cache: "
            f"go install github.com/pressly/goose/v3/cmd/goose@{GOOSE_VERSION}"
        )
        unavailable(message)
    checked = 0
    cases = sorted((testdata / "valid-up").iterdir()) + sorted((testdata / "envsub").iterdir())
    for case in cases:
        text = (case / "input.sql").read_text(encoding="utf-8")
        directions = [Direction.UP] if case.parent.name == "valid-up" else list(Direction)
        for direction in directions:
            statements, _ = parse_direction(text, direction, file="input.sql", env=GOOSE_ENV)
            goldens = sorted(case.glob(f"*.{direction.value}.golden.sql"))
            assert [s.sql for s in statements] == [
                g.read_text(encoding="utf-8") for g in goldens
            ], f"{case.name} {direction.value}"
            checked += 1
    for bad in sorted((testdata / "invalid" / "up").glob("*.sql")):
        with pytest.raises(MigrationParseError):
            parse_direction(bad.read_text(encoding="utf-8"), Direction.UP, file=bad.name, env={})
        checked += 1
    expected_tx = {
        "00001_create_users_table.sql": True,
        "00002_rename_root.sql": True,
        "00003_no_transaction.sql": False,
    }
    for name, use_tx in expected_tx.items():
        text = (testdata / "valid-txn" / name).read_text(encoding="utf-8")
        assert parse_migration(text, file=name, env={}).use_tx is use_tx
    assert checked >= 15


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789()'", min_size=1, max_size=8)
_STATEMENT = st.lists(_WORD, min_size=1, max_size=6).map(lambda words: " ".join(words) + ";")


@given(
    up=st.lists(st.lists(_STATEMENT, min_size=1, max_size=3), max_size=5),
    down=st.lists(st.lists(_STATEMENT, min_size=1, max_size=3), max_size=5),
)
def test_plain_statements_split_one_per_terminated_line(
    up: list[list[str]], down: list[list[str]]
) -> None:
    """Each line ending in ';' is one statement, whatever else is on it; blank lines vanish."""
    text = "-- +goose Up\n" + "\n\n".join(" ".join(line) for line in up)
    text += "\n-- +goose Down\n" + "\n".join(" ".join(line) for line in down) + "\n"
    parsed = parse_migration(text, file="p.sql", env={})
    assert [s.sql for s in parsed.up] == [" ".join(line) for line in up]
    assert [s.sql for s in parsed.down] == [" ".join(line) for line in down]
