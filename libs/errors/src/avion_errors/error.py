"""DomainError: the one exception type services raise for failures a caller should understand."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self

from avion_errors.codes import REGISTRY, ErrorCode, ErrorRegistry, GrpcStatus


class DomainError(Exception):
    """A failure with a registered code, a human message, JSON details and an optional cause.

    The cause is Python's own ``__cause__``, so ``raise DomainError(...) from exc`` and
    ``DomainError(..., cause=exc)`` mean the same thing and tracebacks show the chain.
    """

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        *,
        details: Mapping[str, object] | None = None,
        cause: BaseException | None = None,
        registry: ErrorRegistry = REGISTRY,
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code if isinstance(code, ErrorCode) else registry.get(code)
        self.message = message
        self.details: dict[str, object] = dict(details or {})
        try:
            json.dumps(self.details)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"DomainError details must be JSON-serializable: {exc}") from None
        if cause is not None:
            self.__cause__ = cause

    @classmethod
    def wrap(
        cls,
        exc: BaseException,
        code: ErrorCode | str,
        message: str | None = None,
        *,
        details: Mapping[str, object] | None = None,
    ) -> DomainError:
        """A DomainError caused by ``exc``; the message defaults to ``str(exc)``."""
        return cls(code, message if message is not None else str(exc), details=details, cause=exc)

    @property
    def cause(self) -> BaseException | None:
        """The exception this one was raised from, if any."""
        return self.__cause__

    @property
    def http_status(self) -> int:
        return self.code.http_status

    @property
    def grpc_status(self) -> GrpcStatus:
        return self.code.grpc_status

    def causes(self) -> Iterator[BaseException]:
        """Walk the explicit cause chain, nearest first (cycles are cut)."""
        seen: set[int] = {id(self)}
        current = self.__cause__
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            yield current
            current = current.__cause__

    def root_cause(self) -> BaseException:
        """The last exception in the cause chain, or ``self`` when there is none."""
        root: BaseException = self
        for cause in self.causes():
            root = cause
        return root

    def to_dict(self, *, include_causes: bool = False) -> dict[str, Any]:
        """A JSON-ready dict. Causes are left out unless asked for: they may leak internals."""
        data: dict[str, Any] = {
            "code": self.code.name,
            "message": self.message,
            "details": self.details,
            "http_status": self.code.http_status,
            "grpc_status": self.code.grpc_status.name,
        }
        if include_causes:
            data["causes"] = [_describe(cause) for cause in self.causes()]
        return data

    def to_json(self, *, include_causes: bool = False) -> str:
        return json.dumps(self.to_dict(include_causes=include_causes), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *, registry: ErrorRegistry = REGISTRY) -> Self:
        """Rebuild an error from :meth:`to_dict` output (causes are not rebuilt).

        A code the registry does not know is rebuilt from the statuses carried in ``data``, so an
        error from another service keeps its meaning.
        """
        code_name, message, details = data.get("code"), data.get("message"), data.get("details", {})
        if not isinstance(code_name, str) or not isinstance(message, str):
            raise ValueError("a serialized DomainError needs string 'code' and 'message'")
        if not isinstance(details, Mapping):
            raise ValueError("a serialized DomainError's 'details' must be an object")
        known = code_name in registry
        code = registry.get(code_name) if known else _foreign_code(code_name, data)
        return cls(code, message, details=details)

    @classmethod
    def from_json(cls, text: str | bytes, *, registry: ErrorRegistry = REGISTRY) -> Self:
        data = json.loads(text)
        if not isinstance(data, Mapping):
            raise ValueError("a serialized DomainError must be a JSON object")
        return cls.from_dict(data, registry=registry)

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code.name!r}, message={self.message!r}, "
            f"details={self.details!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle by re-calling __init__ with self.args; ours takes keywords too.
        return (_rebuild, (type(self), self.code, self.message, self.details, self.__cause__))


def _rebuild(
    cls: type[DomainError],
    code: ErrorCode,
    message: str,
    details: dict[str, object],
    cause: BaseException | None,
) -> DomainError:
    return cls(code, message, details=details, cause=cause)


def _describe(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"code": exc.code.name, "message": exc.message, "details": exc.details}
    return {"type": f"{type(exc).__module__}.{type(exc).__qualname__}", "message": str(exc)}


def _foreign_code(name: str, data: Mapping[str, object]) -> ErrorCode:
    http_status, grpc_name = data.get("http_status"), data.get("grpc_status")
    if not isinstance(http_status, int) or grpc_name not in GrpcStatus.__members__:
        raise ValueError(
            f"unknown error code {name!r} and no valid 'http_status'/'grpc_status' to rebuild it"
        )
    return ErrorCode(name, http_status, GrpcStatus[str(grpc_name)])


FIELD_VIOLATIONS = "field_violations"
"""The details key listing what is wrong with which request field (see :func:`invalid_fields`)."""


def invalid_fields(
    violations: Mapping[str, str], message: str | None = None, *, code: ErrorCode | str = ""
) -> DomainError:
    """An ``INVALID_ARGUMENT`` error naming each bad field and what is wrong with it.

    ``violations`` maps a field (``"password"``, ``"address.city"``) to a sentence. Transports
    carry the list in their standard form: gRPC as ``google.rpc.BadRequest`` status details,
    HTTP as the problem's ``details``.
    """
    listed = [{"field": field, "description": text} for field, text in violations.items()]
    summary = message or "invalid " + ", ".join(violations)
    return DomainError(code or "INVALID_ARGUMENT", summary, details={FIELD_VIOLATIONS: listed})


def field_violations(error: DomainError) -> dict[str, str]:
    """The ``field → description`` pairs of an :func:`invalid_fields` error (else empty)."""
    listed = error.details.get(FIELD_VIOLATIONS)
    if not isinstance(listed, list):
        return {}
    return {
        str(item["field"]): str(item.get("description", ""))
        for item in listed
        if isinstance(item, dict) and "field" in item
    }
