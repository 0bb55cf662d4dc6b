"""RESP framing for the Redis probe: requests encoded, every reply kind decoded."""

from __future__ import annotations

import io

import pytest

from avion_workspace.infra.resp import RespError, encode, read_reply


def test_commands_are_arrays_of_bulk_strings() -> None:
    assert encode("AUTH", "pässword") == b"*2\r\n$4\r\nAUTH\r\n$9\r\np\xc3\xa4ssword\r\n"


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        (b"+PONG\r\n", "PONG"),
        (b":42\r\n", "42"),
        (b"$12\r\nhello\r\nworld\r\n", "hello\r\nworld"),
        (b"$-1\r\n", None),
    ],
)
def test_replies_are_decoded(wire: bytes, value: str | None) -> None:
    assert read_reply(io.BytesIO(wire)) == value


def test_an_error_reply_is_raised_with_its_text() -> None:
    with pytest.raises(RespError, match="LOADING Redis is loading the dataset in memory"):
        read_reply(io.BytesIO(b"-LOADING Redis is loading the dataset in memory\r\n"))


def test_a_closed_connection_is_a_connection_error() -> None:
    with pytest.raises(ConnectionError, match="closed the connection"):
        read_reply(io.BytesIO(b""))
