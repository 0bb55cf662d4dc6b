"""The local OTLP receiver writes the spans a real exporter sends it, one JSON line each."""

from __future__ import annotations

import json
from pathlib import Path

from avion_telemetry import setup_telemetry_from_env
from avion_telemetry.receiver import start_receiver


def test_spans_exported_over_otlp_grpc_land_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "traces" / "spans.jsonl"
    server, port = start_receiver(out, port=0)
    try:
        telemetry = setup_telemetry_from_env(
            {
                "OTEL_SERVICE_NAME": "user",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
                "OTEL_EXPORTER_OTLP_INSECURE": "true",
            }
        )
        tracer = telemetry.tracer("avion.user")
        with tracer.start_as_current_span("GET /users/{id}") as parent:
            parent.set_attribute("http.route", "/users/{id}")
            with tracer.start_as_current_span("SELECT users"):
                pass
        telemetry.shutdown()  # flushes the batch processor through the exporter
    finally:
        server.stop(grace=None)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    by_name = {r["name"]: r for r in records}
    assert set(by_name) == {"GET /users/{id}", "SELECT users"}
    parent_record, child = by_name["GET /users/{id}"], by_name["SELECT users"]
    assert parent_record["service"] == "user"
    assert parent_record["attributes"] == {"http.route": "/users/{id}"}
    assert child["trace_id"] == parent_record["trace_id"]
    assert child["parent_span_id"] == parent_record["span_id"]
    assert parent_record["parent_span_id"] is None
