"""The auth service's API hook, and its spec as the kit reads it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import grpc
from avion_service.settings import variables

from avion_auth.api import register
from avion_auth.spec import SPEC


def test_register_adds_the_auth_service_and_names_it() -> None:
    async def registered() -> list[str]:
        server = grpc.aio.server()
        # Wiring only stores the connections; nothing is opened before the server starts.
        connections = SimpleNamespace(database=object(), redis=object())
        return list(register(server, connections))  # type: ignore[arg-type]

    assert asyncio.run(registered()) == ["avion.auth.v1.AuthService"]


def test_the_spec_is_this_service() -> None:
    assert SPEC.package == "avion_auth"
    assert any(v.env == "AUTH_HTTP_PORT" for v in variables(SPEC))
