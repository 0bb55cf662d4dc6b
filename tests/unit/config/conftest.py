from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A private copy of the workspace's config/ to break on purpose."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target


@pytest.fixture
def edit(config_copy: Path) -> Callable[[str, str, str], Path]:
    """Replace ``old`` by ``new`` (exactly once) in a config file of the copy."""

    def _edit(name: str, old: str, new: str) -> Path:
        path = config_copy / name
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new))
        return config_copy

    return _edit
