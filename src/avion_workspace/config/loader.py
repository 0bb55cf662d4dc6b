"""Safe YAML loading with a location for every value.

Only plain YAML is accepted: standard tags, string keys, no duplicate keys, no merge keys, a
bounded number of aliases and a bounded expanded size (an alias bomb is rejected at once), a
bounded nesting depth (deep flow collections would exhaust the stack), no control characters,
and a bounded file size counted in bytes actually read, from regular files only (a folder,
FIFO, socket or ``/dev/zero`` link is refused at once). Every problem is collected, located,
and raised together.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from avion_workspace.errors import ConfigError, Location, Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64
EMPTY_FILE = "the file is empty"  # a document without a node (nothing, or only comments)

JsonPath = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null")}
_TIMESTAMP_TAG = f"{_YAML}timestamp"
_MAP_TAG = f"{_YAML}map"
_SEQ_TAG = f"{_YAML}seq"
_MERGE_TAG = f"{_YAML}merge"


def format_json_path(path: JsonPath) -> str:
    """``("services", "auth", "redis", 0)`` → ``$.services.auth.redis[0]``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum() and not part[:1].isdigit():
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


@dataclass(frozen=True)
class Document:
    """A loaded YAML document: plain data plus where each value (and mapping key) came from."""

    source: str
    data: dict[str, Any]
    values: Mapping[JsonPath, Location] = field(default_factory=dict)
    keys: Mapping[JsonPath, Location] = field(default_factory=dict)
    # Keys an overlay removed with ``null``: where that null is (to blame the overlay).
    removed: Mapping[JsonPath, Location] = field(default_factory=dict)

    def locate(self, path: JsonPath, *, key: bool = False) -> Location:
        """The location of ``path``, or of its nearest located ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.source, 1, 1))


class _ExpansionBudget(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


class _AliasLimit(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _DepthLimit(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _Counting(Composer):
    """PyYAML's composer (Python, so nesting is counted before it recurses), counting aliases
    and nesting depth as it goes."""

    aliases = 0
    depth = 0

    if TYPE_CHECKING:  # the parser's, PyYAML's or libyaml's, beside this in the loader

        def check_event(self, *choices: type) -> bool: ...
        def peek_event(self) -> Any: ...

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _AliasLimit(self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _DepthLimit(self.peek_event().start_mark)
            result: Node | None = super().compose_node(parent, index)
            return result
        finally:
            self.depth -= 1


class _CountingLoader(_Counting, yaml.SafeLoader):  # type: ignore[misc]  # untyped bases
    """The pure-Python loader: its messages and locations are the ones users see."""


# libyaml's parser, when PyYAML was built with it (the pinned wheels are)
_CParser: Any = getattr(yaml, "__with_libyaml__", False) and getattr(
    importlib.import_module("yaml.cyaml"), "CParser", None
)

_FAST_BASES: tuple[type, ...] = (_CParser,) if _CParser else ()


class _UsePython(Exception):
    """The libyaml path met something only the pure-Python path answers for."""


class _FastCountingLoader(_Counting, *_FAST_BASES, SafeConstructor, Resolver):  # type: ignore[misc]
    """libyaml's scanner and parser under the same counting composer (see :func:`_fast_compose`)."""

    def __init__(self, stream: str) -> None:
        _CParser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.ScalarEvent):
            event = self.peek_event()
            if event.value == "" and not event.style:
                raise _UsePython  # libyaml places an empty value elsewhere than PyYAML
        return super().compose_node(parent, index)


# The plain subset of YAML the configuration is written in, line by line: block mappings and
# sequences of ASCII keys, plain or quoted one-line scalars, one-line flow sequences and
# mappings of such scalars, comments. On this subset libyaml and PyYAML read the same documents
# (tests/unit/config/test_loader_paths.py generates texts from this grammar, valid and invalid,
# and compares both readers). Anything else (block scalars, tabs, tags, anchors, non-ASCII,
# directives, multi-line scalars) is read by the pure-Python path alone.
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_BLOCK_CHAR = r"(?:[A-Za-z0-9_./@+()=;,*-]|:(?=[A-Za-z0-9_/]))"
_FLOW_CHAR = r"[A-Za-z0-9_./@+()=;*-]"
_QUOTED = r"'[ -&(-~]*'|\"[ !#-\[\]-~]*\""  # printable ASCII, no escapes
_FLOW_SCALAR = rf"(?:[A-Za-z0-9_/]{_FLOW_CHAR}*(?: {_FLOW_CHAR}+)*|{_QUOTED})"
_VALUE = (
    rf"(?:[A-Za-z0-9_/]{_BLOCK_CHAR}*(?: {_BLOCK_CHAR}+)*|{_QUOTED}"
    rf"|\[ *(?:{_FLOW_SCALAR}(?: *, *{_FLOW_SCALAR})*)? *\]"
    rf"|\{{ *(?:{_KEY}: +{_FLOW_SCALAR}(?: *, *{_KEY}: +{_FLOW_SCALAR})*)? *\}})"
)
_COMMENT = r"(?: +#[ -~]*)?"
_PLAIN_LINE = re.compile(
    rf" *#[ -~]*| *| *(?:- )*{_KEY}:(?: +{_VALUE})?{_COMMENT}| *(?:- )+{_VALUE}{_COMMENT}"
)


def _fast_compose(text: str) -> Node | None:
    """The node graph of ``text`` through libyaml, when every line is in the plain subset above
    and libyaml reads it without any problem; else ``None``: the pure-Python path reads it
    (libyaml's is several times faster, the reason this exists: a 200-service configuration)."""
    if not _CParser or not all(_PLAIN_LINE.fullmatch(line) for line in text.split("\n")):
        return None
    loader = _FastCountingLoader(text)
    try:
        node: Node | None = loader.get_single_node()
    except (yaml.YAMLError, _DepthLimit, _AliasLimit, _UsePython):
        return None
    finally:
        loader.dispose()
    return node


def _loc(source: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(source)
    return Location(source, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain data, recording locations and problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values: dict[JsonPath, Location] = {}
        self.keys: dict[JsonPath, Location] = {}
        self.problems: list[Problem] = []
        self._expanded = 0
        self._scalars = SafeConstructor()

    def problem(self, node: Node, path: JsonPath, message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(message, _loc(self.source, node.start_mark), format_json_path(path), hint)
        )

    def build(self, node: Node, path: JsonPath) -> Any:
        self._expanded += 1
        if self._expanded > MAX_EXPANDED_NODES:
            raise _ExpansionBudget(node)
        self.values.setdefault(path, _loc(self.source, node.start_mark))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._custom_tag(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # keep dates as the text written; nothing here is a date
        if node.tag not in _SCALAR_TAGS:
            return self._custom_tag(node, path)
        return self._scalars.construct_object(node)

    def _custom_tag(self, node: Node, path: JsonPath) -> None:
        tag = node.tag.replace(_YAML, "!!")
        self.problem(
            node,
            path,
            f"tag {tag} is not allowed",
            "only plain YAML is accepted: remove the tag and write the value itself",
        )

    def _mapping(self, node: MappingNode, path: JsonPath) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self._custom_tag(node, path)
            return {}
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.problem(
                    key_node, path, "merge keys (<<) are not supported", "write the keys out"
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != f"{_YAML}str":
                self.problem(
                    key_node,
                    path,
                    f"mapping key {key_node.value!r} is not a string",
                    "quote the key",
                )
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.problem(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first defined on line {first_line[key]}, "
                    f"again on line {line})",
                    "keep one of the two",
                )
                continue
            first_line[key] = line
            self.keys[(*path, key)] = _loc(self.source, key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return result


def load_text(text: str, source: str) -> Document:
    """Parse ``text`` (named ``source`` in messages) into a :class:`Document`.

    Raises :class:`ConfigError` with every problem found.
    """
    node = _fast_compose(text)
    if node is not None:
        return _document(node, source)
    try:
        loader = _CountingLoader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError.from_problems([_reader_problem(text, source, exc)]) from None
    try:
        node = loader.get_single_node()
    except _DepthLimit as exc:
        raise ConfigError.from_problems(
            [
                Problem(
                    f"nested more than {MAX_DEPTH} levels deep",
                    _loc(source, exc.mark),
                    hint="the configuration is never this deep: check the brackets",
                )
            ]
        ) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError.from_problems([_reader_problem(text, source, exc)]) from None
    except _AliasLimit as exc:
        raise ConfigError.from_problems(
            [
                Problem(
                    f"more than {MAX_ALIASES} aliases",
                    _loc(source, exc.mark),
                    hint="anchors and aliases are bounded; write the values out",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError.from_problems(
            [Problem(f"YAML syntax error: {message}", _loc(source, mark))]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError.from_problems([Problem(f"YAML error: {exc}", Location(source))]) from None
    finally:
        loader.dispose()
    return _document(node, source)


def _document(node: Node | None, source: str) -> Document:
    if node is None:
        raise ConfigError.from_problems(
            [Problem(EMPTY_FILE, Location(source, 1, 1), "$", "expected a mapping")]
        )
    builder = _Builder(source)
    try:
        data = builder.build(node, ())
    except _ExpansionBudget as exc:
        raise ConfigError.from_problems(
            [
                Problem(
                    f"the document expands to more than {MAX_EXPANDED_NODES} values "
                    "through aliases (an alias bomb?)",
                    _loc(source, exc.node.start_mark),
                    hint="anchors and aliases are bounded; write the values out",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        builder.problem(node, (), f"expected a mapping at the top, found {type(data).__name__}")
    if builder.problems:
        raise ConfigError.from_problems(builder.problems)
    assert isinstance(data, dict)
    return Document(source, data, builder.values, builder.keys)


def _reader_problem(text: str, source: str, exc: yaml.reader.ReaderError) -> Problem:
    """A character YAML does not allow (a control character...), located."""
    position = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    char = exc.character
    code = char if isinstance(char, int) else ord(char) if isinstance(char, str) and char else 0
    shown = f"U+{code:04X}"
    return Problem(
        f"character {shown} is not allowed in YAML",
        Location(source, line, column),
        hint="remove the control character (or write it as an escape inside double quotes)",
    )


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # outside the working directory, or a link loop
        return str(path)


def load_file(path: Path) -> Document:
    """Load one YAML file safely: a regular file, size-bounded, UTF-8, located errors."""
    from avion_workspace.pathpolicy import UnreadableFile, read_regular

    source = display_path(path)
    try:
        raw = read_regular(path, limit=MAX_FILE_BYTES, source=source)
    except UnreadableFile as exc:
        raise ConfigError.from_problems(
            [
                Problem(
                    p.message,
                    p.location,
                    hint=exc.hint if "file not found" not in p.message else None,
                )
                for p in exc.problems
            ]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError.from_problems(
            [Problem("file is not valid UTF-8", Location(source, line))]
        ) from None
    return load_text(text, source)
