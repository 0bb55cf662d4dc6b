"""This machine's override of the local environment: ``config/local.override.yaml``.

A git-ignored file for machine-specific settings (a port another program already uses). It is
merged onto the ``local`` environment — by the overlay rules, before validation, so a bad value
is located in the override file — wherever the workspace *runs* things locally: the local stack
(``inv setup``, ``inv infra.*``), the generated ``.env``, ``inv run`` and local migrations.
It never reaches ``inv render``: committed generated files are the same on every machine.

Only ``local_*`` settings may be overridden (``postgres.local_port``,
``object_storage.local_console_port``, ``services.auth.local_ports.http``, ...): anything else
would make one machine's platform differ from everyone's. ``AVION_LOCAL_OVERRIDE=path`` names
another file (CI, a second checkout); ``AVION_LOCAL_OVERRIDE=off`` ignores any (the tests).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from avion_workspace.config.loader import (
    EMPTY_FILE,
    Document,
    JsonPath,
    display_path,
    format_json_path,
    load_file,
)
from avion_workspace.errors import ConfigError, Location, Problem

OVERRIDE_FILE = "local.override.yaml"
ENV_VAR = "AVION_LOCAL_OVERRIDE"
EXAMPLE = "postgres:\n  local_port: 55432\n"


def override_path(config_dir: Path) -> Path | None:
    """The override file in effect: ``$AVION_LOCAL_OVERRIDE``, else config/local.override.yaml.

    Something at the path that is not a regular file (a folder, FIFO, a link that leads nowhere
    or in a loop) is a located error, never silently no override.
    """
    named = os.environ.get(ENV_VAR)
    if named == "off":
        return None
    if named:
        path = Path(named)
        if not os.path.lexists(path):
            raise ConfigError(
                f"{ENV_VAR}={named} names no file",
                hint=f"unset {ENV_VAR} or create the file (e.g. {EXAMPLE.strip()!r})",
            )
        return _regular(path, Location(named))
    default = config_dir / OVERRIDE_FILE
    if not os.path.lexists(default):
        return None
    return _regular(default, Location(str(Path(display_path(config_dir)) / OVERRIDE_FILE)))


def _regular(path: Path, where: Location) -> Path:
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError as exc:  # a dangling link, a link loop, no permission
        reason = exc.strerror or type(exc).__name__
        regular = False
    else:
        reason = "not a regular file"
    if not regular:
        raise ConfigError.from_problems(
            [
                Problem(
                    f"this machine's override cannot be read: {reason}",
                    where,
                    hint=f"make it a regular YAML file (e.g. {EXAMPLE.strip()!r}) or remove it",
                )
            ]
        )
    return path


def _not_local(data: Any, path: JsonPath) -> Iterator[JsonPath]:
    """Paths of overridden values that are not under a ``local_*`` key."""
    if path and isinstance(path[-1], str) and path[-1].startswith("local_"):
        return
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _not_local(value, (*path, key))
    else:
        yield path


def load_override(config_dir: Path) -> Document | None:
    """The override document, checked to set only ``local_*`` values; None when there is none."""
    path = override_path(config_dir)
    if path is None:
        return None
    try:
        doc = load_file(path)  # a located ConfigError unless it is a non-empty mapping
    except ConfigError as exc:
        if [p.message for p in exc.problems] == [EMPTY_FILE]:
            return None  # nothing to override
        raise
    problems = [
        Problem(
            f"only local_* settings can be overridden on one machine, not {format_json_path(p)}",
            doc.locate(p, key=True),
            format_json_path(p),
            "change config/platform.yaml or config/environments/*.yaml (committed) instead",
        )
        for p in _not_local(doc.data, ())
    ]
    if problems:
        raise ConfigError.from_problems(problems)
    return doc


def host_port_remap(config_dir: Path) -> dict[int, int]:
    """``{committed local port: this machine's}`` for every port the override moves.

    The docker backend runs the committed docker-compose.yml; this moves its published ports.
    """
    from avion_workspace.config.validate import claimed_ports, load_config

    override = load_override(config_dir)
    if override is None:
        return {}
    committed = load_config(config_dir).effective["local"].data
    moved = load_config(config_dir, local_override=override).effective["local"].data
    here = {path: port for port, _, path in claimed_ports(moved)}
    return {
        port: here[path]
        for port, _, path in claimed_ports(committed)
        if path in here and here[path] != port
    }
