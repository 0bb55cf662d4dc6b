"""Validation of the configuration: JSON Schema first, then the checks a schema cannot express.

Every problem is collected and located (file:line:col, JSON path, hint); nothing stops at the
first one. The base file and each environment's effective (merged) document are checked; a
problem the base shares with every environment is reported once.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from avion_workspace.config.loader import Document, JsonPath, format_json_path, load_file
from avion_workspace.config.merge import merge_documents
from avion_workspace.errors import ConfigError, Location, Problem

BASE_FILE = "platform.yaml"
SCHEMA_FILE = Path("schema") / "platform.schema.json"
ENVIRONMENTS_DIR = "environments"


@dataclass(frozen=True)
class ConfigSet:
    """The validated configuration: the base document and each environment's effective one."""

    config_dir: Path
    base: Document
    effective: dict[str, Document]

    @property
    def environments(self) -> tuple[str, ...]:
        return tuple(self.effective)


@cache
def _validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _hint_for(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = schema.get("x-hint")
    if hint is None and error.parent is not None and isinstance(error.parent.schema, dict):
        hint = error.parent.schema.get("x-hint")
    return hint if isinstance(hint, str) else None


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(
    doc: Document, validator: jsonschema.Draft202012Validator
) -> Iterator[Problem]:
    for error in validator.iter_errors(doc.data):
        if error.context:
            error = best_match(error.context)
        path: JsonPath = tuple(error.absolute_path)
        hint = _hint_for(error)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(
                (error.schema.get("properties") or {}) if isinstance(error.schema, dict) else {}
            )
            for key in sorted(set(error.instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1)
                key_hint = f"did you mean {close[0]!r}?" if close else None
                if allowed:
                    key_hint = (
                        (key_hint + " " if key_hint else "") + "allowed: " + ", ".join(allowed)
                    )
                yield Problem(
                    f"unknown key {key!r}",
                    doc.locate((*path, key), key=True),
                    format_json_path((*path, key)),
                    key_hint,
                )
            continue
        if "propertyNames" in error.schema_path:
            # The error is about a mapping key: error.instance is the offending name.
            name = error.instance
            key_path = (*path, name) if isinstance(name, str) else path
            yield Problem(
                f"{_describe(name)} is not a valid name here",
                doc.locate(key_path, key=True),
                format_json_path(key_path),
                hint,
            )
            continue
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            yield Problem(
                f"missing required key {missing!r}", doc.locate(path), format_json_path(path), hint
            )
            continue
        if error.validator == "not":
            message = f"{_describe(error.instance)} is not allowed here"
        elif error.validator == "pattern":
            message = f"{_describe(error.instance)} does not match the naming rule"
        else:
            message = error.message
        yield Problem(message, doc.locate(path), format_json_path(path), hint)


def _check_unique(doc: Document, path: JsonPath, items: list[Any], what: str) -> Iterator[Problem]:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        if item in seen:
            yield Problem(
                f"{what} {item!r} is listed twice (first at index {seen[item]})",
                doc.locate((*path, index)),
                format_json_path((*path, index)),
                "remove the duplicate",
            )
        else:
            seen.setdefault(item, index)


def _reference(
    doc: Document, path: JsonPath, name: Any, declared: Iterable[str], what: str, where: str
) -> Iterator[Problem]:
    declared = list(declared)
    if name in declared:
        return
    close = difflib.get_close_matches(str(name), declared, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    hint += f"declared under {where}: {', '.join(declared) or '(none)'}"
    yield Problem(
        f"{what} {name!r} is not declared", doc.locate(path), format_json_path(path), hint
    )


# Service names whose generated paths would collide with the workspace's own: the library chart
# (charts/avion-common) and the Python packages of the libraries and the engine (a service's
# package is avion_<name>: a service called "service" would shadow the service kit). A unit test
# keeps this in step with render.charts.LIBRARY and render.services.LIBRARIES.
RESERVED_SERVICE_NAMES = frozenset(
    {
        "avion-common",
        "config",
        "cqrs",
        "ddd",
        "errors",
        "grpc",
        "logging",
        "migrate",
        "service",
        "telemetry",
        "workspace",
    }
)


def semantic_problems(doc: Document) -> Iterator[Problem]:
    """Checks on a schema-valid document: references resolve, names and ports are unique."""
    data = doc.data
    databases = data["postgres"]["databases"]
    namespaces = data["redis"]["namespaces"]
    buckets = data["object_storage"]["buckets"]
    claimed_db: dict[str, str] = {}
    for name, service in data["services"].items():
        base: JsonPath = ("services", name)
        if name in RESERVED_SERVICE_NAMES:
            yield Problem(
                f"service name {name!r} is taken by a path the workspace generates or a library",
                doc.locate(base),
                format_json_path(base),
                f"reserved: {', '.join(sorted(RESERVED_SERVICE_NAMES))}; choose another name",
            )
        db = service.get("database")
        if db is not None:
            yield from _reference(
                doc, (*base, "database"), db, databases, "database", "$.postgres.databases"
            )
            if db in claimed_db:
                yield Problem(
                    f"database {db!r} is already used by service {claimed_db[db]!r}",
                    doc.locate((*base, "database")),
                    format_json_path((*base, "database")),
                    "each service owns its own database",
                )
            claimed_db.setdefault(db, name)
        for key, declared, what, where in (
            ("redis", namespaces, "Redis namespace", "$.redis.namespaces"),
            ("buckets", buckets, "bucket", "$.object_storage.buckets"),
        ):
            items = service.get(key, [])
            yield from _check_unique(doc, (*base, key), items, what)
            for index, item in enumerate(items):
                yield from _reference(doc, (*base, key, index), item, declared, what, where)
        autoscaling = service.get("autoscaling", data["service_defaults"].get("autoscaling"))
        if autoscaling and autoscaling["min_replicas"] > autoscaling["max_replicas"]:
            path = (
                (*base, "autoscaling")
                if "autoscaling" in service
                else ("service_defaults", "autoscaling")
            )
            yield Problem(
                "min_replicas is greater than max_replicas",
                doc.locate(path),
                format_json_path(path),
            )
    owners: dict[str, str] = {}
    for db_name, db in databases.items():
        path = ("postgres", "databases", db_name, "owner")
        if db["owner"] in owners:
            yield Problem(
                f"role {db['owner']!r} already owns database {owners[db['owner']]!r}",
                doc.locate(path),
                format_json_path(path),
                "one role per service owns its database",
            )
        owners.setdefault(db["owner"], db_name)
    for env_name, env in data["environments"].items():
        if env["kind"] == "kubernetes" and "cluster" not in env:
            yield Problem(
                f"environment {env_name!r} runs on Kubernetes but names no cluster",
                doc.locate(("environments", env_name)),
                format_json_path(("environments", env_name)),
                "add `cluster: <name>` (the cluster CI deploys to)",
            )
    yield from _port_problems(doc)


def _claimed_ports(data: dict[str, Any]) -> Iterator[tuple[int, str, JsonPath]]:
    for component in ("postgres", "redis", "object_storage", "search"):
        yield data[component]["local_port"], component, (component, "local_port")
    if "local_console_port" in data["object_storage"]:
        path: JsonPath = ("object_storage", "local_console_port")
        yield data["object_storage"]["local_console_port"], "object storage console", path
    yield (
        data["monitoring"]["grafana"]["local_port"],
        "grafana",
        ("monitoring", "grafana", "local_port"),
    )
    for name, service in data["services"].items():
        for kind, port in service["local_ports"].items():
            yield port, f"service {name} ({kind})", ("services", name, "local_ports", kind)


def _port_problems(doc: Document) -> Iterator[Problem]:
    owners: dict[int, str] = {}
    for port, what, path in _claimed_ports(doc.data):
        if port in owners:
            yield Problem(
                f"port {port} of {what} is already claimed by {owners[port]}",
                doc.locate(path),
                format_json_path(path),
                "give each component its own port",
            )
        else:
            owners[port] = what
    container = doc.data["service_defaults"]["container_ports"]
    if container["http"] == container["grpc"]:
        path = ("service_defaults", "container_ports", "grpc")
        yield Problem(
            f"the HTTP and gRPC container ports are both {container['http']}",
            doc.locate(path),
            format_json_path(path),
        )


def check_document(doc: Document, validator: jsonschema.Draft202012Validator) -> list[Problem]:
    problems = list(_schema_problems(doc, validator))
    if not problems:
        problems.extend(semantic_problems(doc))
    return problems


def load_config(config_dir: Path) -> ConfigSet:
    """Load and validate ``config_dir``; raise :class:`ConfigError` listing every problem."""
    base_path = config_dir / BASE_FILE
    schema_path = config_dir / SCHEMA_FILE
    if not schema_path.is_file():
        raise ConfigError(
            f"no schema at {schema_path}", hint="is --config-dir the workspace's config folder?"
        )
    validator = _validator(schema_path.resolve())
    problems: list[Problem] = []
    try:
        base = load_file(base_path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        base = None
    overlays: dict[str, Document] = {}
    for overlay_path in sorted((config_dir / ENVIRONMENTS_DIR).glob("*.y*ml")):
        try:
            overlays[overlay_path.stem] = load_file(overlay_path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if base is None:
        raise ConfigError.from_problems(problems)
    problems.extend(check_document(base, validator))
    declared = base.data.get("environments")
    effective: dict[str, Document] = {}
    if isinstance(declared, dict):
        for env, overlay in overlays.items():
            if env not in declared:
                problems.append(
                    Problem(
                        f"overlay for environment {env!r}, which is not declared",
                        Location(overlay.source),
                        "$",
                        f"declared under $.environments: {', '.join(declared)}",
                    )
                )
        for env in declared:
            doc = merge_documents(base, overlays[env]) if env in overlays else base
            effective[env] = doc
            if env in overlays:
                problems.extend(check_document(doc, validator))
    if problems:
        raise ConfigError.from_problems(problems)
    return ConfigSet(config_dir, base, effective)
