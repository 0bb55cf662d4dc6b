"""A transaction-control statement in a file goose wraps in a transaction is refused at parse time,
with its line: a COMMIT there would persist part of the file and make "rolled back as a whole"
untrue."""

from __future__ import annotations

import pytest
from avion_migrate.errors import MigrationParseError
from avion_migrate.parser import parse_migration


def parse(body: str, *, no_tx: bool = False) -> None:
    head = "-- +goose NO TRANSACTION\n" if no_tx else ""
    parse_migration(f"{head}-- +goose Up\n{body}-- +goose Down\nSELECT 1;\n", file="f.sql", env={})


@pytest.mark.parametrize(
    ("body", "keyword", "line"),
    [
        ("CREATE TABLE a (id int);\nCOMMIT;\n", "COMMIT", 3),
        ("BEGIN;\nCREATE TABLE a (id int);\n", "BEGIN", 2),
        ("start transaction;\n", "START TRANSACTION", 2),
        ("CREATE TABLE a (id int);\n  -- a comment\n  end;\n", "END", 4),
        ("ROLLBACK;\n", "ROLLBACK", 2),
        ("abort;\n", "ABORT", 2),
        ("CREATE TABLE a (id int); COMMIT;\n", "COMMIT", 2),
        ("/* c */ Commit\n  ;\n", "COMMIT", 2),
        (
            "-- +goose StatementBegin\nINSERT INTO t VALUES (1);\nCOMMIT;\n"
            "-- +goose StatementEnd\n",
            "COMMIT",
            4,
        ),
    ],
)
def test_transaction_control_in_a_transactional_file_is_refused_with_its_line(
    body: str, keyword: str, line: int
) -> None:
    with pytest.raises(MigrationParseError) as info:
        parse(body)
    text = info.value.render()
    assert f"f.sql:{line}" in text
    assert keyword in text
    assert "NO TRANSACTION" in text


@pytest.mark.parametrize(
    "body",
    [
        "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  COMMIT;\n  RETURN NEW;\nEND;\n$$;\n-- +goose StatementEnd\n",
        "-- +goose StatementBegin\nDO $body$ BEGIN PERFORM 1; END $body$;\n-- +goose StatementEnd\n",
        "INSERT INTO t VALUES ('COMMIT; BEGIN');\n",
        'CREATE TABLE "commit" (id int);\n',
        "SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;\n",
        "-- COMMIT is mentioned in a comment\nSELECT 1;\n",
        "SELECT E'it\\'s; COMMIT';\n",
        "-- +goose StatementBegin\nCREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n  SELECT 1;\nEND;\n-- +goose StatementEnd\n",
        "COMMIT PREPARED 'x';\n",
    ],
)
def test_the_same_words_inside_bodies_strings_and_identifiers_are_fine(body: str) -> None:
    parse(body)


def test_a_no_transaction_file_may_control_transactions() -> None:
    parse("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", no_tx=True)
