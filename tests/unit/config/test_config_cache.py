"""The validated config is cached across processes in .avion/, keyed by every input's stat."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import avion_workspace.config as config_package
import avion_workspace.config.validate as validate
from avion_workspace.config import CACHE_FILE, STATE_DIR, load_platform, load_platforms
from avion_workspace.config.override import ENV_VAR, OVERRIDE_FILE
from avion_workspace.errors import ConfigError


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(config_package, "_LOADED", {})


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the in-process memo, as a new ``inv`` process would, and forbid validating."""
    monkeypatch.setattr(config_package, "_LOADED", {})

    def no_validation(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(validate, "load_config", no_validation)


def later(path: Path, text: str) -> None:
    info = path.stat()
    path.write_text(text)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_a_second_process_reads_the_cache(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_copy.parent / STATE_DIR).mkdir()
    first = load_platforms(config_copy)
    local = load_platform(config_copy, "local")
    assert (config_copy.parent / STATE_DIR / CACHE_FILE).is_file()
    new_process(monkeypatch)
    assert load_platforms(config_copy) == first
    assert load_platform(config_copy, "local") == local


def test_an_edit_is_seen_at_once(config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_copy.parent / STATE_DIR).mkdir()
    base = config_copy / "platform.yaml"
    assert load_platform(config_copy, "local").postgres.local_port == 5432
    monkeypatch.setattr(config_package, "_LOADED", {})
    later(base, base.read_text().replace("local_port: 5432", "local_port: 15432", 1))
    assert load_platform(config_copy, "local").postgres.local_port == 15432


def test_the_override_has_its_own_entry(config_copy: Path) -> None:
    (config_copy.parent / STATE_DIR).mkdir()
    assert load_platform(config_copy, "local").postgres.local_port == 5432
    (config_copy / OVERRIDE_FILE).write_text("postgres: {local_port: 25432}\n")
    assert load_platform(config_copy, "local").postgres.local_port == 25432
    assert load_platforms(config_copy)["local"].postgres.local_port == 5432  # render never sees it
    later(config_copy / OVERRIDE_FILE, "postgres: {local_port: 25433}\n")
    assert load_platform(config_copy, "local").postgres.local_port == 25433


def test_an_invalid_config_is_never_cached(config_copy: Path) -> None:
    (config_copy.parent / STATE_DIR).mkdir()
    base = config_copy / "platform.yaml"
    base.write_text(base.read_text().replace("local_port: 5432", "local_port: -1", 1))
    for _ in range(2):
        with pytest.raises(ConfigError) as caught:
            load_platform(config_copy, "local")
        assert [p.render().split(":")[0] for p in caught.value.problems] == [str(base)]
    cache = config_copy.parent / STATE_DIR / CACHE_FILE
    assert not cache.exists() or json.loads(cache.read_text()) == {}


def test_without_the_state_folder_nothing_is_written(config_copy: Path) -> None:
    load_platforms(config_copy)
    assert sorted(p.name for p in config_copy.parent.iterdir()) == ["config"]


def test_a_damaged_cache_is_ignored(config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_copy.parent / STATE_DIR).mkdir()
    expected = load_platforms(config_copy)
    (config_copy.parent / STATE_DIR / CACHE_FILE).write_text("{not json")
    monkeypatch.setattr(config_package, "_LOADED", {})
    assert load_platforms(config_copy) == expected
