"""Fixtures of the auth service's tests."""

from __future__ import annotations

import pytest

from avion_auth.testing import App


@pytest.fixture
def app() -> App:
    return App()
