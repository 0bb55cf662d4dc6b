"""The notification service's gRPC API: add servicers here. This file is the team's own.

``register`` is called once at startup, before the server starts. Add each servicer to
``server`` and return the full names of the services added (``avion.notification.v1.…``), so
that gRPC health reports them and reflection lists them. ``resources`` holds the service's
connections, one per part its spec declares (see ``avion_service.Resources``).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from avion_service import Resources


def register(server: grpc.aio.Server, resources: Resources) -> Sequence[str]:
    """Add the service's servicers to ``server``; return their full service names."""
    del server, resources  # no API yet: the service serves health and reflection only
    return ()
