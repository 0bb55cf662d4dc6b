"""Process-wide logging setup, for entry points only: libraries just call :func:`get_logger`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Literal, TextIO

import structlog
from avion_config import load_settings, setting, settings
from structlog.typing import EventDict, Processor, WrappedLogger

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]

_HANDLER_NAME = "avion-logging"


@settings
class LoggingSettings:
    """How a process logs, read from ``LOG_LEVEL``, ``LOG_FORMAT`` and ``SERVICE_NAME``."""

    level: LogLevel = setting("LOG_LEVEL", default="INFO", description="lowest level written")
    format: LogFormat = setting(
        "LOG_FORMAT", default="json", description="json for machines, console for people"
    )
    service: str | None = setting(
        "SERVICE_NAME", default=None, description="added to every line as 'service'"
    )


class _AddService:
    def __init__(self, service: str) -> None:
        self._service = service

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", self._service)
        return event_dict


def shared_processors(service: str | None = None) -> list[Processor]:
    """The processors every line goes through, structlog's and stdlib's alike, before rendering."""
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if service:
        processors.append(_AddService(service))
    return processors


def configure_logging(
    config: LoggingSettings | None = None, *, stream: TextIO | None = None
) -> None:
    """Route structlog and the standard library's logging to one handler on the root logger.

    JSON format writes one object per line with structured tracebacks; console format is for
    local development. Calling it again replaces the previous setup instead of adding to it.
    """
    config = config or LoggingSettings()
    pre_chain = shared_processors(config.service)
    renderer: list[Processor]
    if config.format == "json":
        renderer = [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=False)]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(config.level)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *pre_chain,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached, so testing.capture_logs() also sees loggers created at import time.
        cache_logger_on_first_use=False,
    )


def configure_logging_from_env(
    environ: Mapping[str, str] | None = None, *, stream: TextIO | None = None
) -> LoggingSettings:
    """Load :class:`LoggingSettings` from the environment, configure, and return the settings."""
    config = load_settings(LoggingSettings, environ=environ)
    configure_logging(config, stream=stream)
    return config


def get_logger(name: str | None = None, **initial_values: object) -> structlog.stdlib.BoundLogger:
    """A structlog logger; cheap, safe to call at import time, configured or not."""
    if name is None:
        return structlog.stdlib.get_logger(**initial_values)
    return structlog.stdlib.get_logger(name, **initial_values)
