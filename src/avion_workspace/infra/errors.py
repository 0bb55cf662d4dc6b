"""User-facing errors of the local stack; each carries a hint saying what to do."""

from __future__ import annotations

from avion_workspace.errors import AvionError


class InfraError(AvionError):
    """The local stack could not be brought up, stopped or read."""


class ComponentMissing(InfraError):
    """A component the local environment requires cannot be run here (no server binary)."""


class PortBusy(InfraError):
    """A port the stack must listen on is held by another process."""


class NotReady(InfraError):
    """A component did not pass its readiness probe within the time allowed."""


class BackendUnavailable(InfraError):
    """The requested backend cannot be used on this machine (e.g. no Docker engine answers)."""
