"""DomainError → HTTP ``application/problem+json`` (RFC 9457 problem details)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from avion_errors.codes import INTERNAL
from avion_errors.error import DomainError

PROBLEM_JSON = "application/problem+json"
"""The media type of an RFC 9457 problem details body."""
TYPE_PREFIX = "urn:avion:error:"
"""A problem's ``type`` is this prefix and the error code, e.g. ``urn:avion:error:NOT_FOUND``."""


@dataclass(frozen=True)
class ProblemResponse:
    """What an HTTP endpoint sends for a failure: status, headers and the JSON body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def problem_details(error: DomainError, *, instance: str | None = None) -> dict[str, Any]:
    """The RFC 9457 members for ``error``: ``type``, ``title``, ``status``, ``detail``, ...

    ``code`` and ``details`` are extension members (the stable code name and the error's JSON
    details). Causes are never included: they may leak internals.
    """
    status = error.http_status
    problem: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{error.code.name}",
        "title": error.code.description or HTTPStatus(status).phrase,
        "status": status,
        "detail": error.message,
        "code": error.code.name,
    }
    if instance is not None:
        problem["instance"] = instance
    if error.details:
        problem["details"] = error.details
    return problem


def problem_response(error: BaseException, *, instance: str | None = None) -> ProblemResponse:
    """The HTTP response for any exception; one that is not a DomainError becomes INTERNAL.

    An unexpected exception's text is not sent (log it instead): the caller sees a generic 500.
    """
    if not isinstance(error, DomainError):
        error = DomainError(INTERNAL, "internal error")
    body = json.dumps(problem_details(error, instance=instance), sort_keys=True).encode()
    headers = (("content-type", PROBLEM_JSON), ("content-length", str(len(body))))
    return ProblemResponse(error.http_status, headers, body)
