"""JSON with two-space indentation, byte for byte ``json.dumps(data, indent=2)``, faster.

The standard library indents in pure Python (its C encoder writes only one-line JSON). The
dashboards and the render manifest are a few MB of indented JSON in a 200-service render;
written here with json's own C string encoder, they take a third of the time. Only plain data
is written here (dict with str keys, list, tuple, str, int, bool, None, finite float); anything
else (other key types, NaN, subclasses) goes to ``json.dumps`` itself.
"""

from __future__ import annotations

import json
import math
from typing import Any

_quote = json.encoder.encode_basestring_ascii  # the encoder json.dumps uses, in C


class _Unwritable(Exception):
    """A value this module does not write itself."""


def dumps(data: Any, *, sort_keys: bool = False) -> str:
    """``json.dumps(data, indent=2, sort_keys=sort_keys)``."""
    out: list[str] = []
    try:
        _value(data, "\n", sort_keys, out)
    except (_Unwritable, RecursionError):
        # RecursionError: a circular reference (json.dumps says so, a ValueError) or nesting
        # too deep for this writer; json.dumps answers for both exactly as it would alone.
        return json.dumps(data, indent=2, sort_keys=sort_keys)
    return "".join(out)


def _value(value: Any, newline: str, sort_keys: bool, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_quote(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        items = sorted(value.items()) if sort_keys else value.items()
        separator = "{" + inner
        for key, item in items:
            if type(key) is not str:
                raise _Unwritable
            out.append(separator)
            out.append(_quote(key))
            out.append(": ")
            _value(item, inner, sort_keys, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _value(item, inner, sort_keys, out)
            separator = "," + inner
        out.append(newline + "]")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float and math.isfinite(value):
        out.append(float.__repr__(value))
    else:
        raise _Unwritable
