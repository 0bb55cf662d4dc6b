"""Configuration: safe loading, overlay merge, validation and the platform model.

Loading is memoised twice, both times keyed by a fingerprint (path, size and mtime) of every
input, so an edit anywhere invalidates it:

- in one process, the validated :class:`ConfigSet` of a folder (and of a folder plus this
  machine's override) is built once (``inv setup`` loads config for validation, render and
  migrations);
- across processes, the platform model's input (each environment's effective data, plain JSON)
  is kept in the workspace's git-ignored state folder ``.avion/`` once ``inv setup`` has made
  it. A warm ``inv setup`` or ``inv render --check`` then neither parses the YAML nor imports
  and runs the JSON Schema validator (benchmarks/setup.sh, benchmarks/cli.sh). Only a config
  that validated is stored; an invalid one is validated, and reported, on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from avion_workspace.config.model import Platform, Service, build_platform
from avion_workspace.errors import ConfigError

if TYPE_CHECKING:
    from avion_workspace.config.loader import Document
    from avion_workspace.config.validate import ConfigSet

__all__ = ["ConfigSet", "Platform", "Service", "load_config", "load_platform", "load_platforms"]


def __getattr__(name: str) -> Any:
    # ConfigSet lives beside the validator: importing it imports jsonschema, which a warm run
    # served from the cache never needs.
    if name == "ConfigSet":
        from avion_workspace.config.validate import ConfigSet

        return ConfigSet
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Stats = tuple[tuple[str, int, int], ...]

# One process loads the same folder several times (inv setup: validate, render, migrate); the
# folder's files are read and validated once as long as none of them changes.
_LOADED: dict[tuple[Path, str | None], tuple[Stats, ConfigSet]] = {}

# The cross-process cache: <workspace>/.avion/config-cache.json, beside the config folder.
STATE_DIR = ".avion"
CACHE_FILE = "config-cache.json"
_CACHE_FORMAT = 1


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), info.st_mtime_ns, info.st_size)


def _fingerprint(config_dir: Path) -> Stats:
    stats = []
    for path in sorted(config_dir.rglob("*")):
        if path.is_file():
            stats.append(_stat(path))
    return tuple(stats)


def _inputs(config_dir: Path, override: Path | None) -> Stats:
    """Everything a validated load reads: the folder, the override and the override's path."""
    stats = _fingerprint(config_dir)
    if override is not None:
        stats += (_stat(override.resolve()),)
    return stats


def load_config(config_dir: Path, *, local_override: Document | None = None) -> ConfigSet:
    """:func:`avion_workspace.config.validate.load_config`, once per unchanged folder.

    With this machine's ``local_override`` (see :mod:`.override`) the memo is keyed by the
    override document as well (its source and data): the override may live outside the folder.
    """
    from avion_workspace.config.validate import load_config as _load_config

    key = Path(config_dir).resolve()
    overridden = None
    if local_override is not None:
        overridden = json.dumps([local_override.source, local_override.data], sort_keys=True)
    memo = (key, overridden)
    fingerprint = _fingerprint(key)
    cached = _LOADED.get(memo)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    config = _load_config(config_dir, local_override=local_override)
    _LOADED[memo] = (fingerprint, config)
    return config


def _engine_stats() -> Stats:
    """The code whose verdict the cache records: this package, the validator library, Python."""
    here = Path(__file__).parent
    stats = [_stat(path) for path in sorted(here.glob("*.py"))]
    for library in ("jsonschema", "yaml"):
        spec = find_spec(library)
        if spec is not None and spec.origin:
            stats.append(_stat(Path(spec.origin)))
    stats.append((sys.version, 0, 0))
    return tuple(stats)


def _cache_path(config_dir: Path) -> Path | None:
    """The cache file of the workspace holding ``config_dir``; None before ``.avion/`` exists."""
    state = config_dir.parent / STATE_DIR
    return state / CACHE_FILE if state.is_dir() else None


def _digest(config_dir: Path, override: Path | None) -> str:
    inputs = [_CACHE_FORMAT, _inputs(config_dir, override), _engine_stats()]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _effective(config_dir: Path, override: Path | None) -> dict[str, dict[str, Any]]:
    """Each environment's validated effective data, in declaration order."""
    config_dir = Path(config_dir).resolve()
    cache = _cache_path(config_dir)
    slot = str(override.resolve()) if override is not None else ""
    digest = _digest(config_dir, override) if cache is not None else ""
    if cache is not None:
        entry = _read_cache(cache).get(slot)
        if isinstance(entry, dict) and entry.get("digest") == digest:
            effective = entry.get("effective")
            if isinstance(effective, dict):
                return effective
    document = None
    if override is not None:
        from avion_workspace.config.override import load_override

        document = load_override(config_dir)
    config = load_config(config_dir, local_override=document)
    effective = {env: doc.data for env, doc in config.effective.items()}
    if cache is not None:
        _write_cache(cache, slot, digest, effective)
    return effective


def _write_cache(cache: Path, slot: str, digest: str, effective: dict[str, Any]) -> None:
    """Store one entry, atomically; data JSON cannot carry exactly is never cached."""
    try:
        text = json.dumps({"digest": digest, "effective": effective})
    except (TypeError, ValueError):
        return
    if json.loads(text)["effective"] != effective:
        return
    entries = _read_cache(cache)
    entries[slot] = json.loads(text)
    temporary = cache.with_name(f"{cache.name}.{os.getpid()}.avion-tmp")
    with contextlib.suppress(OSError):
        temporary.write_text(json.dumps(entries), encoding="utf-8")
        temporary.replace(cache)
    with contextlib.suppress(OSError):
        temporary.unlink(missing_ok=True)


def load_platforms(config_dir: Path) -> dict[str, Platform]:
    """Every environment's platform model, validated (never with this machine's override)."""
    return {env: build_platform(data, env) for env, data in _effective(config_dir, None).items()}


def load_platform(config_dir: Path, env: str = "local") -> Platform:
    """The platform model of one environment; a :class:`ConfigError` names unknown ones.

    ``local`` includes this machine's override (config/local.override.yaml): this is what the
    local stack, ``.env`` and ``inv run`` use. Rendering goes through :func:`load_platforms`,
    which never reads it.
    """
    from avion_workspace.config.override import override_path

    override = override_path(config_dir) if env == "local" else None
    effective = _effective(config_dir, override)
    if env not in effective:
        raise ConfigError(
            f"unknown environment {env!r}",
            hint=f"declared environments: {', '.join(effective)}",
        )
    return build_platform(effective[env], env)
