"""YAML documents as the renderers write them: block style, byte for byte what libyaml emits.

:func:`libyaml_yaml` is the reference: PyYAML's safe representation (multi-line strings as
literal blocks) serialised by libyaml, width 100, with one change to PyYAML's resolver: strings
that Helm's or a YAML 1.2 reader would take for a boolean or a number (``y``, ``1e3``, ``0o17``)
are quoted like those YAML 1.1 reads so (``yes``, ``0x1F``). :func:`to_yaml` writes the same text itself,
line by line, for the data the engine emits (dicts, lists and tuples of str, bool, int and None),
about five times faster: a chart for 200 services is hundreds of thousands of scalars. It writes a
scalar only where libyaml's rules, restated below from its emitter, fix the text: a one-line
printable ASCII string (plain, or single-quoted where plain would not read back as the same
string, broken at spaces past the width as libyaml breaks it), a bool, an int, None, an empty
collection. Anything else (a newline, a tab or non-ASCII character, a key longer than libyaml's
simple keys, a float, another type) sends the whole document to the reference.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

# libyaml's emitter when PyYAML has it (about 10x faster than the pure-Python one; same output).
_SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_TAG = "tag:yaml.org,2002:"
_STR_TAG = _TAG + "str"
_RESOLVER = yaml.resolver.Resolver()
_WIDTH = 100  # the best width every document is written with
_MAX_SIMPLE_KEY = 128  # libyaml writes a longer key in the explicit "? key" form
# A plain scalar may not start with these (libyaml's block indicators at the first character).
_LEADING_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_CACHE_LIMIT = 1 << 16


# Plain scalars PyYAML's YAML 1.1 resolver reads as strings but the other readers of the
# generated files do not: Helm and Kubernetes (go-yaml v2 through sigs.k8s.io/yaml) read y, Y, n
# and N as booleans, and 1e3, 1.5e3, 0o17 or 0B1 (underscores ignored) as numbers; YAML 1.2
# readers (docker compose) the numbers too. A service described as "1e3" would reach its Chart.yaml
# as "1000". Such strings are quoted, as PyYAML quotes "yes" or "0x1F"; the resolver is the
# emitter's only notion of "reads back as this string", for both writers in this module.
_READ_OTHERWISE = re.compile(
    r"[yYnN]|(?=[^0-9]*[0-9])[-+]?(?:0[xXoObB][0-9a-fA-F_]+"
    r"|(?:\.[0-9_]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9_]+)?)"
)
_NOT_A_STRING = _TAG + "other-readers"  # any tag but str's makes the emitter quote the scalar


@functools.lru_cache(maxsize=65536)
def _implicit_tag(value: str, implicit: tuple[bool, bool]) -> str:
    # The safe resolver's answer depends only on the scalar (no path resolvers are registered).
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, value, list(implicit))  # type: ignore[no-untyped-call]
    if implicit[0] and tag == _STR_TAG and _READ_OTHERWISE.fullmatch(value):
        return _NOT_A_STRING
    return tag


class _Dumper(_SAFE_DUMPER):  # type: ignore[misc]  # a C or Python class, by build
    """The safe dumper with the resolver's answers for scalars memoised (plain scalars repeat)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            return _implicit_tag(value, tuple(implicit))
        return super().resolve(kind, value, implicit)


def _node(value: Any) -> yaml.Node:
    """Plain data as YAML nodes, as PyYAML's safe representer builds them (without its per-node
    dispatch and alias bookkeeping)."""
    if isinstance(value, str):
        # Multi-line strings (an Alloy pipeline, a Slack template) as literal blocks, readable;
        # the emitter falls back to a quoted style where a block cannot hold the value.
        return yaml.ScalarNode(_STR_TAG, value, style="|" if "\n" in value else None)
    if isinstance(value, bool):
        return yaml.ScalarNode(_TAG + "bool", "true" if value else "false")
    if isinstance(value, int):
        return yaml.ScalarNode(_TAG + "int", str(value))
    if value is None:
        return yaml.ScalarNode(_TAG + "null", "null")
    if isinstance(value, dict):
        pairs = [(_node(k), _node(v)) for k, v in value.items()]
        return yaml.MappingNode(_TAG + "map", pairs, flow_style=False)
    if isinstance(value, list | tuple):
        return yaml.SequenceNode(_TAG + "seq", [_node(item) for item in value], flow_style=False)
    raise TypeError(type(value).__name__)


class BlockStringDumper(_Dumper):
    """The safe dumper, writing multi-line strings as literal blocks (as :func:`_node` does)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR_TAG, value, style=style)


BlockStringDumper.add_representer(str, _represent_str)


def libyaml_yaml(data: Any) -> str:
    """The reference: ``data`` as libyaml writes PyYAML's safe representation of it."""
    try:
        if not isinstance(data, dict | list):
            raise TypeError("a scalar document")  # PyYAML ends those with "..."
        node = _node(data)
    except TypeError:  # floats, dates, bare scalars: PyYAML's own representer knows them
        return yaml.dump(
            data, Dumper=BlockStringDumper, sort_keys=False, default_flow_style=False, width=_WIDTH
        )
    text: str = yaml.serialize(node, Dumper=_Dumper, width=_WIDTH)
    return text


class _Unwritable(Exception):
    """A value this module does not write itself: the document goes to libyaml."""


def _plain_allowed(text: str) -> bool:
    """libyaml's ``block_plain_allowed`` for a non-empty line of printable ASCII."""
    if text[0] == " " or text[-1] == " " or text[0] in _LEADING_INDICATORS:
        return False
    if text.startswith(("---", "...")):
        return False
    # "-", "?" or ":" followed by a space or the end starts a block structure
    if text[0] in "-?:" and (len(text) == 1 or text[1] == " "):
        return False
    return not (": " in text or text.endswith(":") or " #" in text)


def _scalar_token(text: str) -> str:
    """``text`` as libyaml writes a string on one line before breaking it: plain where it reads
    back as this string, else single-quoted; "" where it would take another style."""
    if not (text.isascii() and text.isprintable()):
        return ""  # control characters, tabs, newlines, non-ASCII: double quotes or a block
    if text and _plain_allowed(text) and _implicit_tag(text, (True, False)) == _STR_TAG:
        return text
    return "'" + text.replace("'", "''") + "'"


_tokens: dict[str, str] = {}
_key_tokens: dict[str, str] = {}  # the tokens of strings that can be simple keys
_folds: dict[tuple[str, int, int], str] = {}


def _token(text: str) -> str:
    token = _tokens.get(text)
    if token is None:
        if len(_tokens) >= _CACHE_LIMIT:
            _tokens.clear()
        token = _tokens[text] = _scalar_token(text)
    if not token:
        raise _Unwritable
    return token


def _key_token(key: object) -> str:
    kind = type(key)
    if kind is str:
        assert isinstance(key, str)
        token = _token(key)
        if len(key) > _MAX_SIMPLE_KEY:
            raise _Unwritable
        if len(_key_tokens) >= _CACHE_LIMIT:
            _key_tokens.clear()
        _key_tokens[key] = token
        return token
    if kind is bool:
        return "true" if key else "false"
    if kind is int:
        text = str(key)
        if len(text) > _MAX_SIMPLE_KEY:
            raise _Unwritable
        return text
    if key is None:
        return "null"
    raise _Unwritable


def _fold(token: str, column: int, indent: int) -> str:
    """A value's token written from ``column`` as libyaml breaks it: a single space (not the first
    or last character of a quoted string) reached past the width becomes a line break and the
    indentation of the scalar's continuation lines."""
    key = (token, column, indent)
    folded = _folds.get(key)
    if folded is not None:
        return folded
    quoted = token[0] == "'"
    last = len(token) - 1
    pieces: list[str] = []
    start = 0  # the token's first character not yet in pieces, written at `column`
    space = token.find(" ")
    while space != -1:
        if (
            column + (space - start) > _WIDTH
            and token[space - 1] != " "
            and token[space + 1] != " "
            and not (quoted and (space == 1 or space == last - 1))
        ):
            pieces.append(token[start:space])
            pieces.append("\n" + " " * indent)
            start = space + 1
            column = indent
        space = token.find(" ", space + 1)
    pieces.append(token[start:])
    if len(_folds) >= _CACHE_LIMIT:
        _folds.clear()
    folded = _folds[key] = "".join(pieces)
    return folded


def _mapping(mapping: dict[Any, Any], indent: int, lead: str, out: list[str]) -> None:
    """A block mapping at ``indent``; ``lead`` is written before its first key (the indentation,
    or the "- " of the sequence item that holds it)."""
    pad = " " * indent
    inner = indent + 2
    prefix = lead
    for key, value in mapping.items():
        key_token = _key_tokens.get(key) if type(key) is str else None
        if key_token is None:
            key_token = _key_token(key)
        head = prefix + key_token + ":"
        prefix = pad
        kind = type(value)
        if kind is str:
            token = _tokens.get(value) or _token(value)
            column = indent + len(key_token) + 2
            if column + len(token) > _WIDTH + 1 and " " in token:
                token = _fold(token, column, inner)
            out.append(f"{head} {token}\n")
        elif kind is dict:
            if value:
                out.append(head + "\n")
                _mapping(value, inner, " " * inner, out)
            else:
                out.append(head + " {}\n")
        elif kind is list or kind is tuple:
            if value:  # a sequence in a mapping is not indented
                out.append(head + "\n")
                _sequence(value, indent, pad, out)
            else:
                out.append(head + " []\n")
        elif kind is bool:
            out.append(head + (" true\n" if value else " false\n"))
        elif kind is int:
            out.append(f"{head} {value}\n")
        elif value is None:
            out.append(head + " null\n")
        else:
            raise _Unwritable


def _sequence(
    sequence: list[Any] | tuple[Any, ...], indent: int, lead: str, out: list[str]
) -> None:
    """A block sequence whose dashes are at ``indent``; ``lead`` as for :func:`_mapping`."""
    pad = " " * indent
    inner = indent + 2
    prefix = lead
    for item in sequence:
        head = prefix + "- "
        prefix = pad
        kind = type(item)
        if kind is str:
            token = _tokens.get(item) or _token(item)
            if inner + len(token) > _WIDTH + 1 and " " in token:
                token = _fold(token, inner, inner)
            out.append(head + token + "\n")
        elif kind is dict:
            if item:
                _mapping(item, inner, head, out)
            else:
                out.append(head + "{}\n")
        elif kind is list or kind is tuple:
            if item:
                _sequence(item, inner, head, out)
            else:
                out.append(head + "[]\n")
        elif kind is bool:
            out.append(head + ("true\n" if item else "false\n"))
        elif kind is int:
            out.append(f"{head}{item}\n")
        elif item is None:
            out.append(head + "null\n")
        else:
            raise _Unwritable


def to_yaml(data: Any) -> str:
    """``data`` as a YAML document, identical to :func:`libyaml_yaml`'s."""
    kind = type(data)
    if not data or (kind is not dict and kind is not list):
        # empty documents ("{}", "[]"), bare scalars (ended with "...") and other types
        return libyaml_yaml(data)
    out: list[str] = []
    try:
        if kind is dict:
            _mapping(data, 0, "", out)
        else:
            _sequence(data, 0, "", out)
    except _Unwritable:
        return libyaml_yaml(data)
    return "".join(out)
