"""Validation of the configuration: JSON Schema first, then the checks a schema cannot express.

Every problem is collected and located (file:line:col, JSON path, hint); nothing stops at the
first one. The base file and each environment's effective (merged) document are checked; a
problem the base shares with every environment is reported once.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing.exceptions
from jsonschema.exceptions import ValidationError, best_match

from avion_workspace.config.loader import (
    Document,
    JsonPath,
    display_path,
    format_json_path,
    load_file,
)
from avion_workspace.config.merge import merge_documents
from avion_workspace.errors import ConfigError, Location, Problem
from avion_workspace.redact import mask_urls, shown_url

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


MAX_SCHEMA_BYTES = 4 * 1024 * 1024


def _validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    """The schema's validator; a schema file that cannot be read or parsed is a located error.

    The schema is a committed file: its own validity is a unit test (test_validate.py), not a
    cost every command pays; a broken one is diagnosed when validating with it fails
    (:func:`check_document`).
    """
    from avion_workspace.pathpolicy import UnreadableFile, read_regular

    source = str(schema_path)
    try:
        raw = read_regular(schema_path, limit=MAX_SCHEMA_BYTES, source=source)
    except UnreadableFile as exc:
        raise ConfigError(exc.message, problems=exc.problems, hint=exc.hint) from None
    return _compiled(raw, source)


MAX_SCHEMA_DEPTH = 64  # JSON nesting; the workspace's schema uses 8, jsonschema copes with 128
_SCHEMA_HINT = "the schema belongs to the workspace: restore it (git checkout -- config/schema)"


@cache
def _compiled(raw: bytes, source: str) -> jsonschema.Draft202012Validator:
    from avion_workspace.pathpolicy import json_too_deep

    try:
        text = raw.decode("utf-8")
        deep = json_too_deep(text, MAX_SCHEMA_DEPTH)  # jsonschema recurses per level
        if deep is not None:
            raise ConfigError(
                f"the schema nests deeper than {MAX_SCHEMA_DEPTH} levels",
                problems=[Problem("nested too deep", Location(source, *deep))],
                hint=_SCHEMA_HINT,
            )
        schema = json.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(
            "the schema is not valid UTF-8",
            problems=[Problem("not UTF-8", Location(source))],
            hint=_SCHEMA_HINT,
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"the schema is not valid JSON: {exc.msg}",
            problems=[
                Problem(f"JSON syntax error: {exc.msg}", Location(source, exc.lineno, exc.colno))
            ],
            hint=_SCHEMA_HINT,
        ) from None
    if not isinstance(schema, dict | bool):
        raise _bad_schema(source, "it is not a JSON object")
    return jsonschema.Draft202012Validator(inline_local_refs(schema))


_DEFS_REF = "#/$defs/"
# A definition name that means itself in a JSON pointer (no "~" escape, "%" escape or "/").
_PLAIN_DEF_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# Keywords whose values are data, not subschemas: a "$ref" key inside them is a value.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
# Keywords that give a subschema an identity of its own: "#/$defs/..." inside it is its own.
_IDENTITY_KEYWORDS = ("$id", "$anchor", "$dynamicAnchor", "$dynamicRef")


def _has_identity(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_identity(item) for item in node)
    if not isinstance(node, dict):
        return False
    return any(key in node for key in _IDENTITY_KEYWORDS) or any(
        _has_identity(value) for value in node.values()
    )


def inline_local_refs(schema: Any) -> Any:
    """``schema`` with each ``{"$ref": "#/$defs/NAME"}`` replaced by that definition.

    The same schema for validation (sibling keywords stay beside it, under ``allOf`` in the
    ``$ref``'s place), without a reference lookup per instance value: those were 40% of
    validating a 200-service config. Each definition is inlined once and shared wherever it is
    referenced, so the result is no larger than the schema (definitions referring twice to
    definitions that do the same would otherwise double at every level). References that are
    not to ``$defs``, dangling or recursive, to a name a JSON pointer would read differently, or
    to a definition with an identity of its own (``$id``, anchors), and anything under a data
    keyword (``const``, ``enum``, ``default``, ``examples``) or an embedded resource (``$id``),
    are left as they are; ``$defs`` itself is kept for them.
    """
    if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict):
        return schema
    defs: dict[str, Any] = schema["$defs"]
    done: dict[str, Any] = {}
    active: set[str] = set()
    own_identity: dict[str, bool] = {}

    def inlinable(name: str) -> bool:
        if name not in defs or name in active:
            return False
        if name not in own_identity:
            own_identity[name] = _has_identity(defs[name])
        return not own_identity[name]

    def inlined_def(name: str) -> Any:
        if name not in done:
            active.add(name)
            try:
                done[name] = walk(defs[name])
            finally:
                active.discard(name)
        return done[name]

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict) or "$id" in node:
            return node  # a scalar, or an embedded resource: its references are its own
        ref = node.get("$ref")
        name = ref[len(_DEFS_REF) :] if isinstance(ref, str) and ref.startswith(_DEFS_REF) else None
        if (
            name is None
            or not _PLAIN_DEF_NAME.fullmatch(name)
            or "allOf" in node
            or not inlinable(name)
        ):
            return {
                key: value if key in _DATA_KEYWORDS else walk(value) for key, value in node.items()
            }
        target = inlined_def(name)
        if len(node) == 1:
            return target
        return {
            ("allOf" if key == "$ref" else key): (
                [target] if key == "$ref" else value if key in _DATA_KEYWORDS else walk(value)
            )
            for key, value in node.items()
        }

    try:
        inlined = {key: walk(value) for key, value in schema.items() if key != "$defs"}
    except RecursionError:  # a chain of references too long to inline: validate it as written
        return schema
    inlined["$defs"] = defs
    return inlined


def _bad_schema(source: str, reason: str, where: str | None = None) -> ConfigError:
    return ConfigError(
        f"the schema is not a valid JSON Schema: {reason}",
        problems=[Problem(f"invalid schema: {reason}", Location(source), where)],
        hint=_SCHEMA_HINT,
    )


def _diagnose_schema(validator: jsonschema.Draft202012Validator) -> ConfigError | None:
    """Why validating with ``validator`` failed, when its schema is at fault."""
    try:
        jsonschema.Draft202012Validator.check_schema(validator.schema)
    except jsonschema.SchemaError as exc:
        where = format_json_path(
            tuple(str(p) if not isinstance(p, int) else p for p in exc.absolute_path)
        )
        return _bad_schema(SCHEMA_FILE.as_posix(), exc.message, where)
    return None


def _reference_problem(exc: Exception) -> ConfigError | None:
    """The schema's references at fault for ``exc``, raised while validating, if they are.

    The meta-schema accepts a ``$ref`` to nothing and a ring of ``$ref`` that never reaches a
    value; validation then fails on the first value that gets there.
    """
    source = SCHEMA_FILE.as_posix()
    if isinstance(exc, referencing.exceptions.Unresolvable):
        return _bad_schema(source, f"the reference {str(exc.ref)!r} points to nothing")
    if isinstance(exc, RecursionError):
        return _bad_schema(
            source,
            "its $ref references go round or nest too deep to follow (a definition that is only "
            "a reference to itself, a ring of them, or a chain thousands long)",
        )
    return None


def _hint_for(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = schema.get("x-hint")
    if hint is None and error.parent is not None and isinstance(error.parent.schema, dict):
        hint = error.parent.schema.get("x-hint")
    return hint if isinstance(hint, str) else None


def _describe(value: Any) -> str:
    """A value quoted in a message: a URL's user information (``user:token@``) masked first,
    so that neither it nor, once shortened, a part of it is printed."""
    text = mask_urls(json.dumps(shown_url(value) if isinstance(value, str) else value, default=str))
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
            removed_at = doc.removed.get((*path, missing))
            if removed_at is not None:
                yield Problem(
                    f"null removes the required key {missing!r}",
                    removed_at,
                    format_json_path((*path, missing)),
                    "an overlay's null deletes the key from the effective config: give a "
                    "value instead, or drop the line to keep the base value",
                )
                continue
            yield Problem(
                f"missing required key {missing!r}", doc.locate(path), format_json_path(path), hint
            )
            continue
        if error.validator == "not":
            message = f"{_describe(error.instance)} is not allowed here"
        elif error.validator == "pattern":
            message = f"{_describe(error.instance)} does not match the naming rule"
        else:
            message = mask_urls(error.message)  # jsonschema's own wording quotes the value
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


@cache
def _reserved_for_deploy() -> dict[str, str]:
    """Service names taken by what a deploy or the monitoring renders, and why.

    Derived from their single source (imported here: the renderer imports the config package).
    """
    from avion_workspace.render.alerts import PLATFORM_GROUP, SERVICE_GROUP_PREFIX
    from avion_workspace.render.infrastructure import RELEASE_NAMES

    taken = dict.fromkeys(RELEASE_NAMES, "an infrastructure Helm release")
    taken[PLATFORM_GROUP.removeprefix(SERVICE_GROUP_PREFIX)] = (
        f"the platform alert group {PLATFORM_GROUP!r}"
    )
    return taken


def reserved_service_names() -> frozenset[str]:
    """Every name a service cannot take: :data:`RESERVED_SERVICE_NAMES` and the deploy's own."""
    return RESERVED_SERVICE_NAMES | frozenset(_reserved_for_deploy())


def semantic_problems(doc: Document) -> Iterator[Problem]:
    """Checks on a schema-valid document: references resolve, names and ports are unique."""
    for check in _SEMANTIC_CHECKS:
        yield from check(doc)


def _reference_problems(doc: Document) -> Iterator[Problem]:
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
                doc.locate(base, key=True),
                format_json_path(base),
                f"reserved: {', '.join(sorted(RESERVED_SERVICE_NAMES))}; choose another name",
            )
        elif name in _reserved_for_deploy():
            yield Problem(
                f"service name {name!r} is taken by {_reserved_for_deploy()[name]}: deploying "
                "the service would replace it",
                doc.locate(base, key=True),
                format_json_path(base),
                f"reserved: {', '.join(sorted(_reserved_for_deploy()))}; choose another name",
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


def claimed_ports(data: dict[str, Any]) -> Iterator[tuple[int, str, JsonPath]]:
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
    owners: dict[int, tuple[str, JsonPath]] = {}
    # Blame the claim written in the later file (an overlay, this machine's override).
    rank = _file_rank(doc)
    for port, what, path in claimed_ports(doc.data):
        if port not in owners:
            owners[port] = (what, path)
            continue
        first, first_path = owners[port]
        if rank(first_path) > rank(path):
            what, path, first = first, first_path, what
        yield Problem(
            f"port {port} of {what} is already claimed by {first}",
            doc.locate(path),
            format_json_path(path),
            "give each component its own port",
        )
    container = doc.data["service_defaults"]["container_ports"]
    if container["http"] == container["grpc"]:
        path = ("service_defaults", "container_ports", "grpc")
        yield Problem(
            f"the HTTP and gRPC container ports are both {container['http']}",
            doc.locate(path),
            format_json_path(path),
        )


def _file_rank(doc: Document) -> Callable[[JsonPath], int]:
    """How late the file a value of ``doc`` comes from was merged (base 0, overlays after)."""
    order = doc.source.split(" + ")

    def rank(path: JsonPath) -> int:
        source = doc.locate(path).file
        return order.index(source) if source in order else 0

    return rank


_CPU = re.compile(r"([0-9]+(?:\.[0-9]+)?)(m?)")
_MEMORY = re.compile(r"([0-9]+)(Ki|Mi|Gi|Ti)")
_MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _quantity(kind: str, text: str) -> Decimal | None:
    """A Kubernetes CPU (cores) or memory (bytes) quantity of the schema's forms; None if not."""
    if kind == "cpu":
        cpu = _CPU.fullmatch(text)
        if cpu is None:
            return None
        return Decimal(cpu[1]) / (1000 if cpu[2] else 1)
    memory = _MEMORY.fullmatch(text)
    return None if memory is None else Decimal(memory[1]) * _MEMORY_UNITS[memory[2]]


def _resource_problems(doc: Document) -> Iterator[Problem]:
    """A container's request above its limit: Kubernetes refuses such a pod at deploy time."""
    data = doc.data
    owners: list[JsonPath] = [("service_defaults", "resources")]
    owners += [
        ("services", name, "resources") for name, s in data["services"].items() if "resources" in s
    ]
    rank = _file_rank(doc)
    for base in owners:
        resources: Any = data
        for part in base:
            resources = resources[part]
        for kind in ("cpu", "memory"):
            request_path: JsonPath = (*base, "requests", kind)
            limit_path: JsonPath = (*base, "limits", kind)
            request = str(resources["requests"][kind])
            limit = str(resources["limits"][kind])
            wanted, allowed = _quantity(kind, request), _quantity(kind, limit)
            if wanted is None or allowed is None or wanted <= allowed:
                continue
            path = limit_path if rank(limit_path) > rank(request_path) else request_path
            yield Problem(
                f"the {kind} request {request} is above the {kind} limit {limit}",
                doc.locate(path),
                format_json_path(path),
                "a request cannot exceed its limit (Kubernetes refuses the pod): lower the "
                "request or raise the limit",
            )


_SEMANTIC_CHECKS = (_reference_problems, _port_problems, _resource_problems)


def _semantic_alongside(doc: Document, schema: list[Problem]) -> Iterator[Problem]:
    """Each semantic check whose data the schema problems leave readable, beside them."""
    reported = {p.json_path for p in schema}
    for check in _SEMANTIC_CHECKS:
        found: list[Problem] = []
        try:
            found.extend(p for p in check(doc) if p.json_path not in reported)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            continue  # this check reads data the schema problems already explain
        yield from found


def check_document(doc: Document, validator: jsonschema.Draft202012Validator) -> list[Problem]:
    """Schema problems, and the semantic problems that can be found beside them: all at once."""
    try:
        problems = list(_schema_problems(doc, validator))
    except Exception as exc:
        # A broken schema (an unknown type, a dangling $ref...) fails while validating.
        diagnosis = _diagnose_schema(validator) or _reference_problem(exc)
        if diagnosis is None:
            raise
        raise diagnosis from None
    if not problems:
        problems.extend(semantic_problems(doc))
    else:
        problems.extend(_semantic_alongside(doc, problems))
    return problems


def load_config(config_dir: Path, *, local_override: Document | None = None) -> ConfigSet:
    """Load and validate ``config_dir``; raise :class:`ConfigError` listing every problem.

    ``local_override`` (this machine's, see :mod:`.override`) is merged onto ``local`` last.
    """
    base_path = config_dir / BASE_FILE
    schema_path = config_dir / SCHEMA_FILE
    for folder in (config_dir, config_dir / SCHEMA_FILE.parent, config_dir / ENVIRONMENTS_DIR):
        if folder.exists() and not folder.is_dir():
            raise ConfigError.from_problems(
                [
                    Problem(
                        "a file stands where a folder should be",
                        Location(display_path(folder)),
                        hint="move the file away and restore the folder (git checkout)",
                    )
                ]
            )
    if not schema_path.exists():
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
    base_problems = check_document(base, validator)
    problems.extend(base_problems)
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
        for env, overlay in overlays.items():
            unknown = list(undeclared_services(base, overlay))
            problems.extend(unknown)
            if unknown:  # checked without them: their other problems would only be noise
                overlays[env] = _without_services(overlay, unknown)
        if local_override is not None:
            unknown = list(undeclared_services(base, local_override))
            problems.extend(unknown)
            if unknown:
                local_override = _without_services(local_override, unknown)
        for env in declared:
            doc = merge_documents(base, overlays[env]) if env in overlays else base
            if env == "local" and local_override is not None:
                doc = merge_documents(doc, local_override)
            effective[env] = doc
            if env in overlays or (env == "local" and local_override is not None):
                doc_problems = check_document(doc, validator)
                problems.extend(doc_problems)
            else:
                doc_problems = base_problems
            if not doc_problems:  # the CDN checks read a schema-valid document
                problems.extend(cdn_problems(doc, env))
    if problems:
        raise ConfigError.from_problems(problems)
    return ConfigSet(config_dir, base, effective)


def undeclared_services(base: Document, overlay: Document) -> Iterator[Problem]:
    """Services an overlay (or this machine's override) names that the base does not declare.

    Overlays only override services: one declared there alone would exist in one environment,
    half rendered (the generated service, chart and migrations follow platform.yaml).
    """
    services = overlay.data.get("services")
    declared = base.data.get("services")
    if not isinstance(services, dict) or not isinstance(declared, dict):
        return
    for name in services:
        if name in declared:
            continue
        path: JsonPath = ("services", name)
        close = difflib.get_close_matches(str(name), list(declared), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        yield Problem(
            f"unknown service {name!r}: services are declared in {BASE_FILE}",
            overlay.locate(path, key=True),
            format_json_path(path),
            hint + f"add it with `inv service.new {name}`; an environment's file only overrides "
            f"settings of declared services ({', '.join(declared)})",
        )


def _without_services(doc: Document, problems: list[Problem]) -> Document:
    unknown = {p.json_path for p in problems}
    services = {
        name: value
        for name, value in doc.data["services"].items()
        if format_json_path(("services", name)) not in unknown
    }
    return replace(doc, data={**doc.data, "services": services})


def cdn_problems(doc: Document, env: str) -> Iterator[Problem]:
    """The CDN checks of one environment's effective document (schema-valid).

    A bucket marked ``cdn: true`` needs a CDN in that environment; a CDN's references resolve and
    its cache policies are ones CloudFront accepts.
    """
    data = doc.data
    cdn = data["environments"][env].get("cdn")
    buckets = data["object_storage"]["buckets"]
    for name, bucket in buckets.items():
        if bucket.get("cdn") and cdn is None:
            path: JsonPath = ("object_storage", "buckets", name, "cdn")
            yield Problem(
                f"bucket {name!r} is served through a CDN, but environment {env!r} has no CDN",
                doc.locate(path),
                format_json_path(path),
                f"declare $.environments.{env}.cdn, or mark the bucket `cdn: true` only in the "
                "overlay of an environment that has one",
            )
    if data["object_storage"]["provider"] == "s3":
        # The storage stack (render/storage.py) makes a resource of every bucket.
        yield from _same_logical_id(
            doc, "bucket", [(name, ("object_storage", "buckets", name)) for name in buckets]
        )
    if cdn is None:
        return
    base: JsonPath = ("environments", env, "cdn")
    policies = cdn["cache_policies"]
    yield from _reference(
        doc,
        (*base, "default_cache_policy"),
        cdn["default_cache_policy"],
        policies,
        "cache policy",
        f"$.environments.{env}.cdn.cache_policies",
    )
    yield from _reference(
        doc,
        (*base, "logs", "bucket"),
        cdn["logs"]["bucket"],
        buckets,
        "bucket",
        "$.object_storage.buckets",
    )
    claimed: dict[str, str] = {}
    for name, policy in policies.items():
        path = (*base, "cache_policies", name)
        if not policy["min_ttl"] <= policy["default_ttl"] <= policy["max_ttl"]:
            yield Problem(
                "TTLs must satisfy min_ttl <= default_ttl <= max_ttl",
                doc.locate(path),
                format_json_path(path),
            )
        if policy["compress"] and policy["max_ttl"] == 0:
            yield Problem(
                "a policy that never caches cannot compress",
                doc.locate((*path, "compress")),
                format_json_path((*path, "compress")),
                "CloudFront compresses only what it caches: set compress: false",
            )
        if name == cdn["default_cache_policy"] and "paths" in policy:
            yield Problem(
                "the default cache policy serves every path; it takes no `paths`",
                doc.locate((*path, "paths")),
                format_json_path((*path, "paths")),
            )
        for index, pattern in enumerate(policy.get("paths", ())):
            if pattern in claimed:
                yield Problem(
                    f"path {pattern!r} is already served by cache policy {claimed[pattern]!r}",
                    doc.locate((*path, "paths", index)),
                    format_json_path((*path, "paths", index)),
                )
            claimed.setdefault(pattern, name)
    served = [name for name, bucket in buckets.items() if bucket.get("cdn")]
    if data["object_storage"]["provider"] != "s3":  # else checked above, with every bucket
        yield from _same_logical_id(
            doc, "bucket", [(name, ("object_storage", "buckets", name)) for name in served]
        )
    yield from _same_logical_id(
        doc, "cache policy", [(name, (*base, "cache_policies", name)) for name in policies]
    )


def _same_logical_id(
    doc: Document, what: str, named: list[tuple[str, JsonPath]]
) -> Iterator[Problem]:
    """Names the CDN template would turn into one CloudFormation logical ID (one would vanish)."""
    from avion_workspace.render.aws import logical_id

    first: dict[str, str] = {}
    for name, path in named:
        resource = logical_id(name, "")
        if resource in first:
            yield Problem(
                f"{what} {name!r} and {what} {first[resource]!r} both become the "
                f"CloudFormation logical ID {resource!r}",
                doc.locate(path, key=True),
                format_json_path(path),
                "logical IDs keep only letters and digits: rename one so the names differ in "
                "more than punctuation",
            )
        else:
            first[resource] = name
