"""Environment substitution for ``-- +goose ENVSUB ON`` sections, as goose does it.

goose delegates to mfridman/interpolate; this is the same grammar: ``$VAR``, ``${VAR}``,
``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset only), ``${VAR?message}``
(required), ``${VAR:offset[:length]}``; ``$$`` and ``\\$`` give ``$``; ``\\\\`` stays as is;
``$(`` is left alone. A name starts with a letter. Pure: the environment is passed in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_INT = re.compile(r"[+-]?[0-9]+")


class EnvsubError(ValueError):
    """The text is not valid substitution syntax, or a required variable is unset."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """``text`` with every expansion replaced from ``env``."""
    return _Parser(text).expression(stop="").expand(env)


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def _is_name_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char)[0] in "LN"


@dataclass(frozen=True)
class _Text:
    text: str

    def expand(self, env: Mapping[str, str]) -> str:
        del env
        return self.text


@dataclass(frozen=True)
class _Variable:
    name: str

    def expand(self, env: Mapping[str, str]) -> str:
        return env.get(self.name, "")


@dataclass(frozen=True)
class _Default:
    """``${VAR:-x}`` (``when_empty``) or ``${VAR-x}``."""

    name: str
    content: _Expression
    when_empty: bool

    def expand(self, env: Mapping[str, str]) -> str:
        value = env.get(self.name)
        if value is None or (self.when_empty and value == ""):
            return self.content.expand(env)
        return value


@dataclass(frozen=True)
class _Required:
    name: str
    message: _Expression

    def expand(self, env: Mapping[str, str]) -> str:
        value = env.get(self.name)
        if value is None:
            message = self.message.expand(env) or "not set"
            raise EnvsubError(f"${self.name}: {message}")
        return value


@dataclass(frozen=True)
class _Substring:
    name: str
    offset: int
    length: int | None

    def expand(self, env: Mapping[str, str]) -> str:
        # Offsets count bytes, as in Go.
        value = env.get(self.name, "").encode()
        start = self.offset + len(value) if self.offset < 0 else self.offset
        start = min(max(start, 0), len(value))
        if self.length is None:
            return value[start:].decode(errors="replace")
        end = self.length + start if self.length >= 0 else max(self.length + len(value), start)
        return value[start : min(end, len(value))].decode(errors="replace")


_Item = _Text | _Variable | _Default | _Required | _Substring


@dataclass(frozen=True)
class _Expression:
    items: tuple[_Item, ...]

    def expand(self, env: Mapping[str, str]) -> str:
        return "".join(item.expand(env) for item in self.items)


class _Parser:
    """Recursive descent over one line; positions are character indexes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += len(char)
        return char

    def rest_startswith(self, prefix: str) -> bool:
        return self.text.startswith(prefix, self.pos)

    def expression(self, stop: str) -> _Expression:
        items: list[_Item] = []
        while True:
            char = self.peek()
            if char == "" or (stop and char in stop):
                return _Expression(tuple(items))
            if self.rest_startswith("\\\\"):
                self.pos += 2
                items.append(_Text("\\\\"))
            elif self.rest_startswith("\\$") or self.rest_startswith("$$"):
                self.pos += 2
                items.append(_Text("$"))
            elif self.rest_startswith("$("):
                self.pos += 2
                items.append(_Text("$("))
            elif char == "$" and self.pos < len(self.text) - 1:
                items.append(self.expansion())
            else:
                first = self.take()
                items.append(_Text(first + self.scan_until(lambda c: c in "$\\" or c in stop)))

    def scan_until(self, done: Callable[[str], bool]) -> str:
        start = self.pos
        while self.pos < len(self.text) and not done(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def name(self) -> str:
        char = self.peek()
        if not char or not _is_letter(char):
            got = repr(char) if char else "end of line"
            raise EnvsubError(f"expected a variable name starting with a letter, got {got}")
        return self.scan_until(lambda c: not _is_name_char(c))

    def expansion(self) -> _Item:
        self.take()  # "$"
        if self.peek() == "{":
            return self.brace_expansion()
        return _Variable(self.name())

    def brace_expansion(self) -> _Item:
        self.take()  # "{"
        name = self.name()
        if self.peek() == "}":
            self.take()
            return _Variable(name)
        operator = self.take()
        item: _Item
        if operator == ":" and self.peek() == "-":
            self.take()
            item = _Default(name, self.expression(stop="}"), when_empty=True)
        elif operator == ":":
            item = self.substring(name)
        elif operator == "-":
            item = _Default(name, self.expression(stop="}"), when_empty=False)
        elif operator == "?":
            item = _Required(name, self.expression(stop="}"))
        else:
            got = repr(operator) if operator else "end of line"
            raise EnvsubError(f"expected an operator (:- - ? :) or '}}' after ${{{name}, got {got}")
        if self.take() != "}":
            raise EnvsubError(f"unclosed ${{{name}...: expected '}}'")
        return item

    def substring(self, name: str) -> _Substring:
        offset = self.integer(self.scan_until(lambda c: c in ":}"), "offset")
        if self.peek() == "}":
            return _Substring(name, offset, None)
        self.take()
        length = self.integer(self.scan_until(lambda c: c == "}"), "length")
        return _Substring(name, offset, length)

    @staticmethod
    def integer(text: str, what: str) -> int:
        stripped = text.strip()
        if not _INT.fullmatch(stripped):
            raise EnvsubError(f"unable to parse substring {what} {text!r}")
        return int(stripped)
