"""Client interceptors for grpc.aio: request id and W3C trace context on every outbound call.

A service calling another passes :func:`client_interceptors` to its channel; the callee's server
interceptors then log and trace the call under the caller's request id and trace::

    channel = grpc.aio.insecure_channel(address, interceptors=client_interceptors(provider))
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Sequence
from typing import Any

import grpc
import structlog
from avion_logging import bound_request_context, current_request_id, new_request_id
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from avion_grpc.interceptors import REQUEST_ID_METADATA_KEY
from avion_grpc.status import SERVER_FAILURES

_PROPAGATOR = TraceContextTextMapPropagator()


def outbound_metadata(
    metadata: Iterable[tuple[str, str | bytes]] | None, request_id: str
) -> grpc.aio.Metadata:
    """``metadata`` plus the request id and the current W3C trace context.

    What the caller set itself wins: an explicit ``x-request-id`` or ``traceparent`` is kept.
    """
    result = grpc.aio.Metadata(*(metadata or ()))
    present = {key for key, _value in result}
    if REQUEST_ID_METADATA_KEY not in present:
        result[REQUEST_ID_METADATA_KEY] = request_id
    if "traceparent" not in present:
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier)
        for key, value in carrier.items():
            result[key] = value
    return result


class ContextClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Sends ``x-request-id`` (the current one, else a new one) and ``traceparent``/``tracestate``.

    With a ``tracer_provider``, each unary call runs in a CLIENT span (the context sent is that
    span's); each is logged as ``grpc.client.request`` with method, status and duration, under
    the same request and trace ids as the server's lines. Streaming calls get the metadata only,
    from the ``*ContextInterceptor`` classes (grpc.aio files a channel's interceptor under the
    first call kind it implements, so each kind needs its own object).
    """

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None = None,
        logger: structlog.stdlib.BoundLogger | None = None,
    ) -> None:
        provider = tracer_provider or trace.NoOpTracerProvider()
        self._tracer = provider.get_tracer("avion_grpc.client")
        self._logger = logger or structlog.stdlib.get_logger("avion.grpc.client")

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        method = _method_name(client_call_details.method)
        service, _, rpc_method = method.lstrip("/").partition("/")
        with self._tracer.start_as_current_span(
            method.lstrip("/"),
            kind=SpanKind.CLIENT,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc_method},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            request_id = current_request_id() or new_request_id()
            details = _with_metadata(client_call_details, request_id)
            span_context = trace.get_current_span().get_span_context()
            trace_id = format_trace_id(span_context.trace_id) if span_context.is_valid else None
            with bound_request_context(request_id=request_id, trace_id=trace_id):
                started = time.perf_counter()
                code = grpc.StatusCode.UNKNOWN
                try:
                    call = await continuation(details, request)
                    response = await call
                    code = grpc.StatusCode.OK
                    return response
                except grpc.aio.AioRpcError as error:
                    code = error.code()
                    raise
                finally:
                    span.set_attribute("rpc.grpc.status_code", code.value[0])
                    if code in SERVER_FAILURES:
                        span.set_status(Status(StatusCode.ERROR, code.name))
                    log = self._logger.error if code in SERVER_FAILURES else self._logger.info
                    log(
                        "grpc.client.request",
                        method=method,
                        status=code.name,
                        duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    )


class _StreamingContext:
    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        return _with_metadata(details, current_request_id() or new_request_id())


class UnaryStreamContextInterceptor(_StreamingContext, grpc.aio.UnaryStreamClientInterceptor):
    """Request id and trace context on server-streaming calls."""

    async def intercept_unary_stream(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        return await continuation(self._details(client_call_details), request)


class StreamUnaryContextInterceptor(_StreamingContext, grpc.aio.StreamUnaryClientInterceptor):
    """Request id and trace context on client-streaming calls."""

    async def intercept_stream_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: AsyncIterable[Any] | Iterable[Any],
    ) -> Any:
        return await continuation(self._details(client_call_details), request_iterator)


class StreamStreamContextInterceptor(_StreamingContext, grpc.aio.StreamStreamClientInterceptor):
    """Request id and trace context on bidirectional-streaming calls."""

    async def intercept_stream_stream(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: AsyncIterable[Any] | Iterable[Any],
    ) -> Any:
        return await continuation(self._details(client_call_details), request_iterator)


def client_interceptors(
    tracer_provider: trace.TracerProvider | None = None,
    logger: structlog.stdlib.BoundLogger | None = None,
) -> Sequence[grpc.aio.ClientInterceptor]:
    """The interceptors every Avion channel uses: pass as ``grpc.aio.*_channel(interceptors=)``."""
    return [
        ContextClientInterceptor(tracer_provider, logger),
        UnaryStreamContextInterceptor(),
        StreamUnaryContextInterceptor(),
        StreamStreamContextInterceptor(),
    ]


def _with_metadata(
    details: grpc.aio.ClientCallDetails, request_id: str
) -> grpc.aio.ClientCallDetails:
    return grpc.aio.ClientCallDetails(
        details.method,
        details.timeout,
        outbound_metadata(details.metadata, request_id),
        details.credentials,
        details.wait_for_ready,
    )


def _method_name(method: str | bytes) -> str:
    return method.decode() if isinstance(method, bytes) else method
