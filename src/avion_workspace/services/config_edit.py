"""Adding a service to ``config/platform.yaml`` as a text edit that keeps everything else as written.

Pure: text and its loaded :class:`Document` in, new text out. The new service goes at the end of
``services:`` and its database at the end of ``postgres.databases:``, indented like their
neighbours; comments, blank lines, key order and flow style elsewhere are untouched. The caller
validates the result like any config before writing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from avion_workspace.config.loader import Document, JsonPath
from avion_workspace.errors import ConfigError, Location, Problem

NAME_RULE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MAX_NAME_LENGTH = 30  # keeps derived names (database, role, image, chart, release) far from limits
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,.()/'+-]*")


@dataclass(frozen=True)
class NewService:
    """What ``inv service.new`` adds: the service and the database it owns."""

    name: str
    description: str
    redis: tuple[str, ...] = ("cache",)
    buckets: tuple[str, ...] = ()
    search: bool = False

    @property
    def snake(self) -> str:
        return self.name.replace("-", "_")

    @property
    def database(self) -> str:
        return f"avion_{self.snake}_db"

    @property
    def owner(self) -> str:
        return f"avion_{self.snake}"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a service, or None."""
    if not NAME_RULE.fullmatch(name):
        return (
            f"service name {name!r} is not valid: use lowercase letters, digits and single '-' "
            "between them, starting with a letter (e.g. 'direct-message')"
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"service name {name!r} is {len(name)} characters long; at most {MAX_NAME_LENGTH}"
    return None


def check_new_service(new: NewService, doc: Document) -> None:
    """Refuse an invalid name, an existing service, a database already declared; located."""
    source = Location(doc.source)
    problem = name_problem(new.name)
    if problem is not None:
        raise ConfigError(problem, problems=[Problem(problem, source, "$.services")])
    if not new.description.strip() or not new.description.isprintable():
        where = "$.services." + new.name + ".description"
        raise ConfigError(
            "the description must be one line of text",
            problems=[
                Problem(
                    "--description is empty or has a line break or control character",
                    json_path=where,
                )
            ],
            hint="give one line, e.g. --description 'Direct messages between users'; longer "
            f"text belongs in services/{new.name}/README.md",
        )
    services = doc.data.get("services", {})
    if new.name in services:
        path: JsonPath = ("services", new.name)
        raise ConfigError(
            f"service {new.name!r} already exists",
            problems=[
                Problem(
                    "the service is defined here",
                    doc.locate(path, key=True),
                    "$.services." + new.name,
                )
            ],
            hint="choose another name, or edit the existing service",
        )
    databases = doc.data.get("postgres", {}).get("databases", {})
    if new.database in databases:
        path = ("postgres", "databases", new.database)
        raise ConfigError(
            f"database {new.database!r} is already declared",
            problems=[
                Problem(
                    "declared here",
                    doc.locate(path, key=True),
                    f"$.postgres.databases.{new.database}",
                )
            ],
            hint="remove it, or choose another service name",
        )


def claimed_local_ports(data: Mapping[str, Any]) -> set[int]:
    """Every local port a config document claims (``local_port``, ``local_*_port``, ``local_ports``)."""
    ports: set[int] = set()

    def walk(value: Any, key: str, parent: str) -> None:
        if isinstance(value, Mapping):
            for child_key, child in value.items():
                walk(child, str(child_key), key)
        elif isinstance(value, list):
            for item in value:
                walk(item, key, parent)
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and ((key.startswith("local_") and key.endswith("_port")) or parent == "local_ports")
        ):
            ports.add(value)

    walk(data, "", "")
    return ports


def allocate_ports(documents: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """The next free (http, grpc) local port pair after the services' highest, in every env."""
    docs = list(documents)
    claimed: set[int] = set()
    http_ports: list[int] = []
    grpc_ports: list[int] = []
    for data in docs:
        claimed |= claimed_local_ports(data)
        for service in data.get("services", {}).values():
            http_ports.append(service["local_ports"]["http"])
            grpc_ports.append(service["local_ports"]["grpc"])
    http = max(http_ports, default=8100) + 1
    grpc = max(grpc_ports, default=9100) + 1
    while http in claimed or grpc in claimed or http == grpc:
        http, grpc = http + 1, grpc + 1
    if max(http, grpc) > 65535:
        raise ConfigError("no free local port pair is left above the services' ports")
    return http, grpc


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar (a value or a key): plain when that reads back as the same
    string, else double-quoted (``on``, ``no``, ``null``, ``true`` would read as a bool or null)."""
    if _PLAIN_TEXT.fullmatch(text) and not text.endswith(" ") and _reads_as(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_as(plain: str) -> Any:
    # Only called with _PLAIN_TEXT: one short line without YAML syntax, so a scalar.
    return yaml.safe_load(plain)


def _flow_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_scalar(item) for item in items) + "]"


def service_lines(new: NewService, http: int, grpc: int, indent: str, step: str) -> list[str]:
    inner = indent + step
    lines = [
        f"{indent}{_scalar(new.name)}:",
        f"{inner}description: {_scalar(new.description)}",
        f"{inner}local_ports: {{http: {http}, grpc: {grpc}}}",
        f"{inner}database: {new.database}",
    ]
    if new.redis:
        lines.append(f"{inner}redis: {_flow_list(new.redis)}")
    if new.buckets:
        lines.append(f"{inner}buckets: {_flow_list(new.buckets)}")
    if new.search:
        lines.append(f"{inner}search: true")
    return lines


def _children(doc: Document, path: JsonPath) -> list[tuple[JsonPath, Location]]:
    return sorted(
        ((p, loc) for p, loc in doc.keys.items() if len(p) == len(path) + 1 and p[:-1] == path),
        key=lambda item: item[1].line or 0,
    )


def _block_end(doc: Document, lines: list[str], path: JsonPath) -> int:
    """The 0-based index of the line after the last content line of the block mapping ``path``."""
    key = doc.keys[path]
    assert key.line is not None
    assert key.column is not None
    later = [
        loc.line
        for loc in doc.keys.values()
        if loc.line is not None and loc.line > key.line and (loc.column or 1) <= key.column
    ]
    stop = min(later) - 1 if later else len(lines)  # 0-based index of the first line past it
    last = key.line - 1
    for index in range(key.line, stop):
        stripped = lines[index].strip()
        indented = len(lines[index]) - len(lines[index].lstrip())
        if stripped and (not stripped.startswith("#") or indented >= key.column):
            last = index
    return last + 1


def _indentation(doc: Document, path: JsonPath) -> tuple[str, str]:
    """(indent of ``path``'s children, one more level) as written in the file."""
    children = _children(doc, path)
    if not children:
        raise ConfigError(f"cannot add to {path[-1]!r}: it has no entries to follow")
    column = children[0][1].column or 1
    grandchildren = [
        loc.column
        for child, _ in children
        for _, loc in _children(doc, child)
        if loc.column is not None and loc.column > column
    ]
    step = (min(grandchildren) - column) if grandchildren else 2
    return " " * (column - 1), " " * step


def _require_block(doc: Document, path: JsonPath) -> None:
    key, value = doc.keys.get(path), doc.values.get(path)
    if key is None or value is None:
        raise ConfigError(f"{'.'.join(map(str, path))} is missing from {doc.source}")
    if key.line == value.line:
        raise ConfigError(
            f"{'.'.join(map(str, path))} is written in flow style ({{...}}) in {doc.source}",
            problems=[Problem("written here", key)],
            hint="write it as a block mapping (one entry per line), or add the service by hand",
        )


def add_service(text: str, doc: Document, new: NewService, http: int, grpc: int) -> str:
    """``text`` with ``new`` appended to ``services`` and its database to ``postgres.databases``."""
    check_new_service(new, doc)
    services_path: JsonPath = ("services",)
    databases_path: JsonPath = ("postgres", "databases")
    for path in (services_path, databases_path):
        _require_block(doc, path)
    lines = text.splitlines()
    indent, step = _indentation(doc, services_path)
    db_indent, _ = _indentation(doc, databases_path)
    edits = [
        (_block_end(doc, lines, services_path), service_lines(new, http, grpc, indent, step)),
        (
            _block_end(doc, lines, databases_path),
            [f"{db_indent}{new.database}: {{owner: {new.owner}}}"],
        ),
    ]
    for index, new_lines in sorted(edits, key=lambda edit: edit[0], reverse=True):
        lines[index:index] = new_lines
    return "\n".join(lines) + ("\n" if text.endswith("\n") or not text else "")


def iter_documents(
    effective: Mapping[str, Document], base: Document
) -> Iterator[Mapping[str, Any]]:
    yield base.data
    for doc in effective.values():
        yield doc.data
