"""RequestLog on its own: ids bound inside, the line written once on exit."""

from __future__ import annotations

import pytest
from avion_logging import RequestLog, current_request_id, get_logger
from avion_logging.testing import capture_logs


def test_ids_are_bound_only_inside_and_the_line_carries_fields() -> None:
    log = RequestLog(get_logger("t"), "grpc.request", request_id="r9", method="/a.B/C")
    with capture_logs() as logs, log:
        assert current_request_id() == "r9"
        get_logger("t").info("work")
        log.status = "OK"
    assert current_request_id() is None
    assert logs[0] == {"event": "work", "log_level": "info", "request_id": "r9"}
    assert logs[1]["event"] == "grpc.request"
    assert (logs[1]["status"], logs[1]["method"]) == ("OK", "/a.B/C")


def test_failed_requests_and_exceptions_are_errors() -> None:
    with capture_logs() as logs:
        with RequestLog(get_logger("t"), "r", request_id="r1") as log:
            log.status, log.failed = "INTERNAL", True
        with pytest.raises(KeyError), RequestLog(get_logger("t"), "r", request_id="r2"):
            raise KeyError("x")
    assert [entry["log_level"] for entry in logs] == ["error", "error"]
    assert isinstance(logs[1]["exc_info"], KeyError)
    assert logs[1]["status"] is None


def test_expected_exceptions_are_logged_by_status_without_traceback() -> None:
    def cancelled_request() -> None:
        with RequestLog(get_logger("t"), "r", request_id="r1", expected=(TimeoutError,)) as log:
            log.status = "CANCELLED"
            raise TimeoutError

    with capture_logs() as logs, pytest.raises(TimeoutError):
        cancelled_request()
    assert logs[0]["log_level"] == "info"
    assert logs[0]["status"] == "CANCELLED"
    assert "exc_info" not in logs[0]
