"""ENVSUB expansion: the forms goose supports (mfridman/interpolate's grammar)."""

from __future__ import annotations

import pytest
from avion_migrate.envsub import EnvsubError, interpolate
from hypothesis import given
from hypothesis import strategies as st

ENV = {"NAME": "James", "EMPTY": "", "COMMIT": "avion-migrations", "NESTED": "has $NAME inside"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("$NAME", "James"),
        ("${NAME}", "James"),
        ("my$NAME!", "myJames!"),
        ("$UNSET|${UNSET}", "|"),
        ("${UNSET:-default}", "default"),
        ("${EMPTY:-default}", "default"),
        ("${NAME:-default}", "James"),
        ("${UNSET-default}", "default"),
        ("${EMPTY-default}", ""),
        ("${UNSET:-${ALSO_UNSET:-$NAME}}", "James"),
        ("${UNSET:-a ${NAME} b}", "a James b"),
        ("${NAME?must be set}", "James"),
        ("${COMMIT:0:7}", "avion-m"),
        ("${COMMIT:7}", "igrations"),
        ("${COMMIT: -4}", "ions"),
        ("${COMMIT:4:-4}", "n-migrat"),
        ("$NESTED", "has $NAME inside"),  # one level only
        ("$$NAME \\$NAME", "$NAME $NAME"),  # escapes give a literal $
        ("a \\\\ b", "a \\\\ b"),  # an escaped backslash stays as written
        ("$(echo hi) $(", "$(echo hi) $("),  # shell substitutions are left alone
        ("costs 5$", "costs 5$"),  # a final $ is text
    ],
)
def test_expansions(text: str, expected: str) -> None:
    assert interpolate(text, ENV) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET?required env var not set}", "$UNSET: required env var not set"),
        ("${UNSET?}", "$UNSET: not set"),
        ("$1 burgers", "expected a variable name starting with a letter, got '1'"),
        ("$ 1", "expected a variable name starting with a letter, got ' '"),
        ("${_X}", "expected a variable name starting with a letter, got '_'"),
        ("${NAME:-unclosed", "unclosed ${NAME...: expected '}'"),
        ("${NAME!}", "expected an operator (:- - ? :) or '}' after ${NAME, got '!'"),
        ("${NAME:x}", "unable to parse substring offset 'x'"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(EnvsubError) as caught:
        interpolate(text, ENV)
    assert str(caught.value) == message


@given(st.text().filter(lambda t: "$" not in t and "\\" not in t))
def test_text_without_dollar_or_backslash_is_unchanged(text: str) -> None:
    assert interpolate(text, ENV) == text
