"""The Avion service kit: a service is a :class:`ServiceSpec` plus its team's ``register`` hook.

``main(SPEC, register)`` is the whole of a service's ``__main__``: settings from the spec,
connections as optional parts, the HTTP probes and metrics, the gRPC server with health and
reflection, graceful shutdown on SIGTERM, and ``migrate`` with avion-migrate.

Names are loaded on first use (PEP 562), so ``avion_service.spec`` and
``avion_service.settings.variables`` stay cheap for the workspace that renders from them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avion_service.cli import main
    from avion_service.resources import Resources
    from avion_service.server import Register, StartupError, serve
    from avion_service.settings import Settings, UndeclaredPart, Variable, load, variables
    from avion_service.spec import ServiceSpec, SpecError

_EXPORTS = {
    "main": "avion_service.cli",
    "Resources": "avion_service.resources",
    "Register": "avion_service.server",
    "StartupError": "avion_service.server",
    "serve": "avion_service.server",
    "Settings": "avion_service.settings",
    "UndeclaredPart": "avion_service.settings",
    "Variable": "avion_service.settings",
    "load": "avion_service.settings",
    "variables": "avion_service.settings",
    "ServiceSpec": "avion_service.spec",
    "SpecError": "avion_service.spec",
}

__all__ = [
    "Register",
    "Resources",
    "ServiceSpec",
    "Settings",
    "SpecError",
    "StartupError",
    "UndeclaredPart",
    "Variable",
    "load",
    "main",
    "serve",
    "variables",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'avion_service' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
