"""Reusable value checks for :func:`avion_config.setting`: each returns a problem or ``None``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sized
from typing import Any
from urllib.parse import urlsplit

Check = Callable[[Any], str | None]
"""A check gets the parsed value and returns a message saying what is wrong, or ``None``."""


def between(low: float, high: float) -> Check:
    """The value (a number) lies in ``[low, high]``."""

    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return f"must be between {low} and {high}, got {value}"

    return check


def non_empty(value: Any) -> str | None:
    """The value (a string, a collection or a secret) is not empty."""
    if isinstance(value, Sized):
        return None if len(value) else "must not be empty"
    return None if value else "must not be empty"


def matches(pattern: str) -> Check:
    """The value (a string) matches the regular expression ``pattern`` in full."""
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        if compiled.fullmatch(str(value)):
            return None
        return f"must match {pattern!r}, got {value!r}"

    return check


def url(*schemes: str) -> Check:
    """The value is a URL with a host, and one of ``schemes`` when any are given."""

    def check(value: Any) -> str | None:
        parts = urlsplit(str(value))
        if schemes and parts.scheme not in schemes:
            return f"must be a URL with scheme {' or '.join(schemes)}, got {value!r}"
        if not parts.scheme or not parts.netloc:
            return f"must be a URL like scheme://host, got {value!r}"
        return None

    return check


port: Check = between(1, 65535)
"""The value is a TCP/UDP port number."""
