"""A throwaway server whose free port is taken before it binds moves to another port."""

from __future__ import annotations

import socket

import pytest

from avion_workspace.errors import ToolMissing
from avion_workspace.infra.postgres import PostgresServer
from tests.support import unavailable

pytestmark = pytest.mark.integration


def test_a_port_taken_between_picking_and_binding_is_replaced() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        try:
            server = PostgresServer.in_temp_dir(durable=False)
        except ToolMissing as exc:
            unavailable(f"{exc.message} ({exc.hint})")
        server.port = taken  # as if another process had won the race for the picked port
        server.init()
        try:
            server.start()
            assert server.port != taken
            import psycopg

            with psycopg.connect(server.dsn()) as conn:
                assert conn.execute("SHOW port").fetchone() == (str(server.port),)
        finally:
            server.remove()
