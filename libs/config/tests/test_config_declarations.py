"""Programming mistakes in settings declarations fail loudly, and the checks behave."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from avion_config import checks, load_settings, nested, setting, settings


class Plain:
    pass


@settings
class Unsupported:
    value: complex = setting("VALUE", default=0j)


@settings
class BadUnion:
    value: int | str = setting("VALUE", default=1)


@settings
class BadTuple:
    value: tuple[int, str] = setting("VALUE", default=(1, "a"))


@settings
class BadDict:
    value: dict[str, int] = setting("VALUE", default_factory=dict)


@settings
class Unresolvable:
    value: NoSuchType = setting("VALUE")  # type: ignore[name-defined]  # noqa: F821


@dataclasses.dataclass(frozen=True)
class Undeclared:
    value: int = 1


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (Plain, "is not a settings class"),
        (Unsupported, "cannot hold values of type <class 'complex'>"),
        (BadUnion, r"'X \| None' unions only"),
        (BadTuple, r"tuple\[X, ...\] only"),
        (BadDict, r"dict\[str, str\] mappings only"),
        (Unresolvable, "cannot resolve the types of Unresolvable"),
    ],
)
def test_unsupported_declarations_raise_type_error(cls: type[object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        load_settings(cls, environ={"VALUE": "1"})


def test_a_field_without_setting_is_refused() -> None:
    marked: type[Any] = settings(
        type("Marked", (), {"__annotations__": {"value": int}, "value": 1})
    )
    with pytest.raises(TypeError, match=r"Marked.value must be declared with setting\(\)"):
        load_settings(marked, environ={})


@pytest.mark.parametrize("name", ["lower", "1ABC", "A-B"])
def test_variable_names_must_be_upper_snake_case(name: str) -> None:
    with pytest.raises(ValueError, match="UPPER_SNAKE_CASE"):
        setting(name)
    with pytest.raises(ValueError, match="UPPER_SNAKE_CASE"):
        nested(prefix=name)


def test_checks_report_what_is_wrong() -> None:
    assert checks.between(1, 3)(2) is None
    assert checks.between(1, 3)(4) == "must be between 1 and 3, got 4"
    assert checks.non_empty("") == "must not be empty"
    assert checks.non_empty(0) == "must not be empty"
    assert checks.non_empty(1) is None
    assert checks.matches(r"[a-z]+")("abc") is None
    assert checks.matches(r"[a-z]+")("ABC") == "must match '[a-z]+', got 'ABC'"
    assert checks.url()("redis://cache:6379") is None
    assert checks.url()("cache:6379") == "must be a URL like scheme://host, got 'cache:6379'"
    assert checks.port(0) == "must be between 1 and 65535, got 0"


def raises_value_error(value: object) -> str | None:
    raise ValueError(f"custom rule rejects {value}")


@settings
class CustomCheck:
    value: int = setting("VALUE", check=[raises_value_error])


def test_a_check_may_raise_value_error_instead_of_returning() -> None:
    with pytest.raises(Exception, match="VALUE: custom rule rejects 5"):
        load_settings(CustomCheck, environ={"VALUE": "5"})
