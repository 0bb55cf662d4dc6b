"""The search service's API hook, and its spec as the kit reads it."""

from __future__ import annotations

from avion_service.settings import variables

from avion_search.api import register
from avion_search.spec import SPEC


def test_register_names_the_services_it_adds() -> None:
    assert list(register(None, None)) == []  # type: ignore[arg-type]  # no API yet


def test_the_spec_is_this_service() -> None:
    assert SPEC.package == "avion_search"
    assert any(v.env == "SEARCH_HTTP_PORT" for v in variables(SPEC))
