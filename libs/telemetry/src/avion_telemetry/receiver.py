"""A local OTLP/gRPC trace receiver that writes every span it gets as one JSON line to a file.

For development only: ``inv run`` starts it beside the services it runs and points their
``OTEL_EXPORTER_OTLP_ENDPOINT`` at it, so a developer reads the traces in
``.avion/traces/spans.jsonl`` (``tail -f``, ``jq``) without running a collector. In a cluster,
services export to the cluster's collector instead (docs/guides/observability.md).

    python -m avion_telemetry.receiver --port 4317 --out .avion/traces/spans.jsonl

Uses only what the OTLP exporter already depends on (grpcio, opentelemetry-proto).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1 import common_pb2

_STATUS = {0: "unset", 1: "ok", 2: "error"}


def _value(value: common_pb2.AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def _attributes(items: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in items}


def span_records(request: trace_service_pb2.ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """One flat record per span: service, names, ids (hex), times (ns), duration, status."""
    records = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                records.append(
                    {
                        "service": resource.get("service.name"),
                        "name": span.name,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "start_unix_nano": span.start_time_unix_nano,
                        "duration_ms": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6,
                        "status": _STATUS.get(span.status.code, str(span.status.code)),
                        "attributes": _attributes(span.attributes),
                        "scope": scope_spans.scope.name,
                    }
                )
    return records


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):  # type: ignore[misc]
    def __init__(self, out: Path) -> None:
        self.out = out
        self.lock = threading.Lock()

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in span_records(request))
        with self.lock, self.out.open("a", encoding="utf-8") as handle:
            handle.write(lines)
        return trace_service_pb2.ExportTraceServiceResponse()


def start_receiver(
    out: Path, *, host: str = "127.0.0.1", port: int = 4317
) -> tuple[grpc.Server, int]:
    """Start the receiver; returns the server and the port it listens on (``port=0``: any)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(out), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot listen on {host}:{port}")
    server.start()
    return server, bound


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4317)
    parser.add_argument("--out", type=Path, default=Path(".avion/traces/spans.jsonl"))
    args = parser.parse_args(argv)
    server, port = start_receiver(args.out, host=args.host, port=args.port)
    print(f"OTLP/gRPC traces on {args.host}:{port} -> {args.out}", flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=2).wait()


if __name__ == "__main__":
    main()
