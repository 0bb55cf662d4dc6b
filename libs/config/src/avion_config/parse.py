"""Text-to-value parsers chosen by a setting's declared type."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from avion_config.secret import Secret

Parser = Callable[[str], Any]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ParseError(ValueError):
    """The text does not fit the declared type."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"expected {expected}, got {got!r}")
        self.expected = expected
        self.got = got


def parser_for(declared: Any) -> Parser:
    """Return the parser for ``declared``; raise ``TypeError`` for a type settings cannot hold."""
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin in (types.UnionType, typing.Union):
        members = [arg for arg in args if arg is not type(None)]
        if len(members) != 1 or len(args) != 2:
            raise TypeError(f"settings support 'X | None' unions only, not {declared}")
        return _optional(parser_for(members[0]))
    if origin is typing.Literal:
        return _literal(args)
    if origin in (tuple, list, frozenset):
        item_type = args[0] if args else str
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            raise TypeError(f"settings support tuple[X, ...] only, not {declared}")
        return _sequence(parser_for(item_type), origin)
    if origin is dict:
        if args and args != (str, str):
            raise TypeError(f"settings support dict[str, str] mappings only, not {declared}")
        return _mapping
    if isinstance(declared, type) and issubclass(declared, enum.Enum):
        return _enum(declared)
    simple = _SIMPLE.get(declared)
    if simple is None:
        raise TypeError(f"settings cannot hold values of type {declared!r}")
    return simple


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ParseError("an integer", text) from None


def _float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ParseError("a number", text) from None


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ParseError("a boolean (true/false, 1/0, yes/no, on/off)", text)


_SIMPLE: dict[Any, Parser] = {
    str: str,
    int: _int,
    float: _float,
    bool: _bool,
    Path: Path,
    Secret: Secret,
}


def _optional(inner: Parser) -> Parser:
    def parse(text: str) -> Any:
        return None if text.strip() == "" else inner(text)

    return parse


def _literal(choices: tuple[Any, ...]) -> Parser:
    by_text = {str(choice): choice for choice in choices}

    def parse(text: str) -> Any:
        try:
            return by_text[text.strip()]
        except KeyError:
            raise ParseError(f"one of {', '.join(by_text)}", text) from None

    return parse


def _enum(enum_type: type[enum.Enum]) -> Parser:
    by_text = {str(member.value): member for member in enum_type}

    def parse(text: str) -> Any:
        try:
            return by_text[text.strip()]
        except KeyError:
            raise ParseError(f"one of {', '.join(by_text)}", text) from None

    return parse


def _sequence(item: Parser, container: Any) -> Parser:
    def parse(text: str) -> Any:
        return container(item(part.strip()) for part in text.split(",") if part.strip())

    return parse


def _mapping(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in (part.strip() for part in text.split(",")):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParseError("key=value pairs separated by commas", pair)
        result[key.strip()] = value.strip()
    return result
