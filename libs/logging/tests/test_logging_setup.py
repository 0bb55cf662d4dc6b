"""configure_logging: one JSON line per event, from structlog and the standard library alike."""

from __future__ import annotations

import io
import json
import logging

import pytest
from avion_config import SettingsError
from avion_logging import (
    LoggingSettings,
    bound_request_context,
    configure_logging,
    configure_logging_from_env,
    get_logger,
)
from avion_logging.testing import capture_logs

pytestmark = pytest.mark.usefixtures("restore_logging")


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_structlog_and_stdlib_lines_are_json_with_context() -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(service="auth"), stream=stream)
    with bound_request_context(request_id="r1"):
        get_logger("avion.test").info("user created", user_id=42)
        logging.getLogger("third.party").warning("disk %s%% full", 91)
    first, second = lines(stream)
    assert first["event"] == "user created"
    assert first["user_id"] == 42
    assert (first["level"], first["logger"], first["service"]) == ("info", "avion.test", "auth")
    assert first["request_id"] == "r1"
    assert str(first["timestamp"]).endswith("Z")
    assert second["event"] == "disk 91% full"
    assert (second["level"], second["logger"], second["request_id"]) == (
        "warning",
        "third.party",
        "r1",
    )


def test_level_filters_both_kinds_of_logger() -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(level="WARNING"), stream=stream)
    get_logger("a").info("dropped")
    logging.getLogger("b").info("dropped too")
    get_logger().warning("kept")
    assert [line["event"] for line in lines(stream)] == ["kept"]
    assert "service" not in lines(stream)[0]


def test_exceptions_are_structured_in_json() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("x").exception("failed")
    (line,) = lines(stream)
    (frame,) = line["exception"]  # type: ignore[misc]
    assert frame["exc_type"] == "ValueError"
    assert frame["exc_value"] == "boom"


def test_console_format_is_human_readable() -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="console"), stream=stream)
    get_logger("x").info("hello", who="world")
    text = stream.getvalue()
    assert "hello" in text
    assert "who=world" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_reconfiguring_replaces_the_handler_instead_of_duplicating_lines() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(stream=first)
    configure_logging(stream=second)
    get_logger("x").info("once")
    assert first.getvalue() == ""
    assert len(lines(second)) == 1


def test_settings_come_from_the_environment() -> None:
    stream = io.StringIO()
    config = configure_logging_from_env(
        {"LOG_LEVEL": "ERROR", "LOG_FORMAT": "json", "SERVICE_NAME": "drop"}, stream=stream
    )
    assert config == LoggingSettings(level="ERROR", format="json", service="drop")
    get_logger("x").warning("dropped")
    get_logger("x").error("kept")
    assert [(line["event"], line["service"]) for line in lines(stream)] == [("kept", "drop")]


def test_bad_environment_reports_every_problem() -> None:
    with pytest.raises(SettingsError) as info:
        configure_logging_from_env({"LOG_LEVEL": "LOUD", "LOG_FORMAT": "xml"})
    assert [problem.env for problem in info.value.problems] == ["LOG_LEVEL", "LOG_FORMAT"]


def test_capture_logs_works_after_configuration() -> None:
    configure_logging(stream=io.StringIO())
    log = get_logger("x")
    with capture_logs() as logs:
        log.info("seen", n=1)
    assert logs == [{"event": "seen", "n": 1, "log_level": "info"}]
