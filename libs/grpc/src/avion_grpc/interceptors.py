"""Server interceptors for grpc.aio: tracing, metrics, logging, recovery, DomainError → status.

Each interceptor wraps the method handler with an async context manager around the call, for
unary and streaming responses alike. Order matters; :func:`default_interceptors` gives the
intended one (the first interceptor is the outermost).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeAlias

import grpc
import structlog
from avion_errors import DomainError
from avion_logging import RequestLog, accept_request_id, bound_request_context
from avion_logging.context import trace_id_from_traceparent
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from avion_grpc.rich_status import status_details
from avion_grpc.status import SERVER_FAILURES, error_metadata, to_status_code

# Strings: grpc.RpcMethodHandler is generic only in the type stubs, not at runtime.
Continuation: TypeAlias = (
    "Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]]"
)
Around: TypeAlias = (
    "Callable[[grpc.aio.ServicerContext[Any, Any]], AbstractAsyncContextManager[None]]"
)

REQUEST_ID_METADATA_KEY = "x-request-id"
"""The gRPC metadata key carrying the request ID (as the ``X-Request-ID`` header does over HTTP)."""


class AroundInterceptor(grpc.aio.ServerInterceptor, ABC):
    """Base for interceptors that only need to run code around each call."""

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        return wrap_handler(handler, lambda context: self.around(method, context))

    @abstractmethod
    def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AbstractAsyncContextManager[None]:
        """The context manager that the call of ``method`` runs inside."""


def wrap_handler(
    handler: grpc.RpcMethodHandler[Any, Any], around: Around
) -> grpc.RpcMethodHandler[Any, Any]:
    """A copy of ``handler`` whose behaviour runs inside ``around(context)``."""
    options = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(_unary(handler.unary_unary, around), **options)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(_unary(handler.stream_unary, around), **options)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _streaming(handler.unary_stream, around), **options
        )
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _streaming(handler.stream_stream, around), **options
        )
    return handler  # pragma: no cover - grpcio always sets one of the four


def _unary(behaviour: Callable[..., Any], around: Around) -> Any:
    async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        async with around(context):
            result = behaviour(request, context)
            return await result if inspect.isawaitable(result) else result

    return call


def _streaming(behaviour: Callable[..., Any], around: Around) -> Any:
    async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        async with around(context):
            result = behaviour(request, context)
            if hasattr(result, "__aiter__"):
                async for item in result:
                    yield item
            elif inspect.isawaitable(result):  # a handler that writes with context.write()
                await result

    return call


def outcome(
    context: grpc.aio.ServicerContext[Any, Any], exc: BaseException | None
) -> grpc.StatusCode:
    """The status a call ended with, given the exception (if any) that ended it."""
    if isinstance(exc, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    if exc is not None and not isinstance(exc, grpc.aio.AbortError):
        return grpc.StatusCode.UNKNOWN  # what grpcio answers for an unhandled exception
    code = context.code()
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.OK


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> dict[str, str]:
    return {
        key: value for key, value in context.invocation_metadata() or () if isinstance(value, str)
    }


class DomainErrorInterceptor(AroundInterceptor):
    """Turns a :class:`~avion_errors.DomainError` into its gRPC status and message.

    The full error travels in trailing metadata (``avion-error-bin``) so the caller can rebuild
    it with :func:`~avion_grpc.domain_error_from_rpc_error`; field violations also travel as the
    standard ``google.rpc.BadRequest`` status details. Causes are never sent.
    """

    @asynccontextmanager
    async def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        try:
            yield
        except DomainError as error:
            await context.abort(
                to_status_code(error.grpc_status),
                error.message,
                error_metadata(error) + status_details(error),
            )


class RecoveryInterceptor(AroundInterceptor):
    """Answers an unexpected exception with INTERNAL and a generic message, logging the traceback.

    Nothing about the exception reaches the caller; the log line has everything.
    """

    def __init__(self, logger: structlog.stdlib.BoundLogger | None = None) -> None:
        self._logger = logger or structlog.stdlib.get_logger("avion.grpc")

    @asynccontextmanager
    async def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        try:
            yield
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            self._logger.error("grpc.unexpected_error", method=method, exc_info=exc)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")


class LoggingInterceptor(AroundInterceptor):
    """Logs ``grpc.request`` for each call with method, status name and duration.

    The request id comes from ``x-request-id`` metadata when sane (else a new one), the trace id
    from ``traceparent``; both are bound for every log line written during the call. Server
    failures (INTERNAL, UNKNOWN, UNAVAILABLE, ...) are logged at error level.
    """

    def __init__(self, logger: structlog.stdlib.BoundLogger | None = None) -> None:
        self._logger = logger or structlog.stdlib.get_logger("avion.grpc")

    @asynccontextmanager
    async def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        metadata = _metadata(context)
        log = RequestLog(
            self._logger,
            "grpc.request",
            request_id=accept_request_id(metadata.get(REQUEST_ID_METADATA_KEY)),
            trace_id=trace_id_from_traceparent(metadata.get("traceparent")),
            expected=(grpc.aio.AbortError, asyncio.CancelledError),
            method=method,
        )
        with log:
            try:
                yield
            except BaseException as exc:
                self._record(log, outcome(context, exc))
                raise
            self._record(log, outcome(context, None))

    @staticmethod
    def _record(log: RequestLog, code: grpc.StatusCode) -> None:
        log.status = code.name
        log.failed = code in SERVER_FAILURES


class TracingInterceptor(AroundInterceptor):
    """Runs each call in a SERVER span continuing the caller's W3C trace context.

    The span is named ``package.Service/Method`` with ``rpc.*`` attributes and the final status
    code; server failures mark it as an error. The trace id is bound for logging, so place this
    interceptor before :class:`LoggingInterceptor` to have it on the request log line.
    """

    def __init__(self, tracer_provider: trace.TracerProvider) -> None:
        self._tracer = tracer_provider.get_tracer("avion_grpc")
        self._propagator = TraceContextTextMapPropagator()

    @asynccontextmanager
    async def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        name = method.lstrip("/")
        service, _, rpc_method = name.partition("/")
        parent = self._propagator.extract(_metadata(context))
        with self._tracer.start_as_current_span(
            name,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc_method},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            span_context = span.get_span_context()
            trace_id = format_trace_id(span_context.trace_id) if span_context.is_valid else None
            with bound_request_context(trace_id=trace_id):
                try:
                    yield
                except BaseException as exc:
                    code = outcome(context, exc)
                    if code is grpc.StatusCode.UNKNOWN:
                        span.record_exception(exc)
                    _finish(span, code)
                    raise
                _finish(span, outcome(context, None))


def _finish(span: trace.Span, code: grpc.StatusCode) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code in SERVER_FAILURES:
        span.set_status(Status(StatusCode.ERROR, code.name))


# Seconds; the SDK's default buckets are sized for milliseconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CALL_DURATION = "rpc.server.call.duration"
"""The histogram of handled calls (OpenTelemetry's RPC semantic conventions); Prometheus sees it
as ``rpc_server_call_duration_seconds_{bucket,count,sum}`` with ``rpc_service``, ``rpc_method``
and ``rpc_grpc_status_code`` labels. Alert rules and dashboards are written against these names."""


class MetricsInterceptor(AroundInterceptor):
    """Records every call's duration and final status code in :data:`CALL_DURATION`."""

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = (meter_provider or metrics.get_meter_provider()).get_meter("avion_grpc")
        self._duration = meter.create_histogram(
            CALL_DURATION,
            unit="s",
            description="Duration of gRPC calls handled by this server",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )

    @asynccontextmanager
    async def around(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        service, _, rpc_method = method.lstrip("/").partition("/")
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            yield
        except BaseException as exc:
            code = outcome(context, exc)
            raise
        else:
            code = outcome(context, None)
        finally:
            self._duration.record(
                time.perf_counter() - started,
                {
                    "rpc.system": "grpc",
                    "rpc.service": service,
                    "rpc.method": rpc_method,
                    "rpc.grpc.status_code": code.value[0],
                },
            )


def default_interceptors(
    *,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    logger: structlog.stdlib.BoundLogger | None = None,
) -> Sequence[grpc.aio.ServerInterceptor]:
    """Tracing (when a provider is given), metrics, logging, recovery, DomainError mapping.

    That is the order, outermost first. Metrics use ``meter_provider``, else OpenTelemetry's
    global one (an entry point installs it first). Recovery sits inside logging so that a crash
    is logged once with its traceback and the request line shows the INTERNAL status the caller got.
    """
    interceptors: list[grpc.aio.ServerInterceptor] = []
    if tracer_provider is not None:
        interceptors.append(TracingInterceptor(tracer_provider))
    interceptors += [
        MetricsInterceptor(meter_provider),
        LoggingInterceptor(logger),
        RecoveryInterceptor(logger),
        DomainErrorInterceptor(),
    ]
    return interceptors
