"""One Redis command over a plain socket (RESP2): probes and version checks without a client library.

A warm ``inv setup`` asks Redis one PING; importing a full client costs more than the round trip.
"""

from __future__ import annotations

import socket
from typing import BinaryIO


class RespError(ConnectionError):
    """Redis answered with an error (``-ERR ...``, ``-LOADING ...``, ``-WRONGPASS ...``)."""


def encode(*args: str) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def read_reply(stream: BinaryIO) -> str | None:
    """One simple, error, integer or bulk reply from a binary file-like ``stream``."""
    line = stream.readline()
    if not line:
        raise ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n").decode(errors="replace")
    if kind == b"+":
        return rest
    if kind == b":":
        return rest
    if kind == b"-":
        raise RespError(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = stream.read(size + 2)
        return data[:-2].decode(errors="replace")
    raise ConnectionError(f"unexpected Redis reply {line[:40]!r}")


def redis_command(
    host: str, port: int, password: str, *command: str, timeout: float = 2.0
) -> str | None:
    """AUTH as the default user, then ``command``; its reply (a string, or None for nil)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(encode("AUTH", password) + encode(*command))
        with sock.makefile("rb") as stream:
            read_reply(stream)  # +OK, or an error raised here
            return read_reply(stream)
