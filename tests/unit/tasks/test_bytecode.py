"""Under ``inv`` the engine's modules are cached as bytecode again, unless the user said not to."""

from __future__ import annotations

import sys

import invoke.main  # noqa: F401  # as under the inv command
import pytest

from avion_workspace.tasks import allow_bytecode_cache


def test_inv_writes_the_engines_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # what invoke sets by default
    allow_bytecode_cache()
    assert sys.dont_write_bytecode is False


def test_pythondontwritebytecode_is_obeyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    allow_bytecode_cache()
    assert sys.dont_write_bytecode is True
