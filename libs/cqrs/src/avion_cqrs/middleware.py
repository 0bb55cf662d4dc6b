"""Standard bus middleware: logging, validation, and a unit of work around each command."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

import structlog
from avion_ddd import UnitOfWork
from avion_errors import VALIDATION_FAILED, DomainError

from avion_cqrs.bus import Next
from avion_cqrs.messages import Command, Message

_current_uow: ContextVar[UnitOfWork | None] = ContextVar("avion_cqrs_unit_of_work", default=None)


class LoggingMiddleware:
    """Logs ``cqrs.dispatch`` for each message: its type, kind, outcome and duration.

    A :class:`~avion_errors.DomainError` is an expected outcome (logged at warning level with its
    code); any other exception is logged at error level with its traceback.
    """

    def __init__(self, logger: structlog.stdlib.BoundLogger | None = None) -> None:
        self._logger = logger or structlog.stdlib.get_logger("avion.cqrs")

    async def __call__(self, message: Message[Any], call_next: Next) -> Any:
        started = time.perf_counter()
        fields: dict[str, Any] = {"message": type(message).__qualname__, "kind": message.kind}
        try:
            result = await call_next(message)
        except DomainError as error:
            self._logger.warning(
                "cqrs.dispatch", **fields, outcome=error.code.name, duration_ms=_since(started)
            )
            raise
        except Exception as exc:
            self._logger.error(
                "cqrs.dispatch",
                **fields,
                outcome="error",
                duration_ms=_since(started),
                exc_info=exc,
            )
            raise
        self._logger.info("cqrs.dispatch", **fields, outcome="ok", duration_ms=_since(started))
        return result


@runtime_checkable
class SelfValidating(Protocol):
    """A message that can say what is wrong with it."""

    def validate(self) -> Iterable[str]:
        """Every problem with this message, as sentences; nothing when it is valid."""
        ...


class ValidationMiddleware:
    """Rejects a message whose ``validate()`` reports problems, before its handler runs.

    Raises a ``VALIDATION_FAILED`` :class:`~avion_errors.DomainError` whose details list every
    problem under ``"problems"``.
    """

    async def __call__(self, message: Message[Any], call_next: Next) -> Any:
        if isinstance(message, SelfValidating):
            problems = list(message.validate())
            if problems:
                raise DomainError(
                    VALIDATION_FAILED,
                    f"{type(message).__qualname__} is invalid: {'; '.join(problems)}",
                    details={"message": type(message).__qualname__, "problems": problems},
                )
        return await call_next(message)


class TransactionMiddleware:
    """Runs each command's handler inside a fresh unit of work and commits if it returns.

    Handlers reach the unit of work with :func:`current_unit_of_work`. A command dispatched from
    inside another joins the outer unit of work. Queries pass straight through.
    """

    def __init__(self, unit_of_work: Callable[[], UnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def __call__(self, message: Message[Any], call_next: Next) -> Any:
        if not isinstance(message, Command) or _current_uow.get() is not None:
            return await call_next(message)
        async with self._unit_of_work() as uow:
            token = _current_uow.set(uow)
            try:
                result = await call_next(message)
                await uow.commit()
            finally:
                _current_uow.reset(token)
        return result


def current_unit_of_work() -> UnitOfWork:
    """The unit of work of the command being handled; raises ``LookupError`` outside one."""
    uow = _current_uow.get()
    if uow is None:
        raise LookupError(
            "no unit of work in progress; dispatch the command through a Bus with "
            "TransactionMiddleware"
        )
    return uow


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
