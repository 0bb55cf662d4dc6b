"""The user service's API hook, and its spec as the kit reads it."""

from __future__ import annotations

from avion_service.settings import variables

from avion_user.api import register
from avion_user.spec import SPEC


def test_register_names_the_services_it_adds() -> None:
    assert list(register(None, None)) == []  # type: ignore[arg-type]  # no API yet


def test_the_spec_is_this_service() -> None:
    assert SPEC.package == "avion_user"
    assert any(v.env == "USER_HTTP_PORT" for v in variables(SPEC))
