"""Configuration: safe loading, overlay merge, validation and the platform model."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.config.loader import Document
from avion_workspace.config.model import Platform, Service, build_platform
from avion_workspace.config.validate import ConfigSet
from avion_workspace.config.validate import load_config as _load_config
from avion_workspace.errors import ConfigError

__all__ = ["ConfigSet", "Platform", "Service", "load_config", "load_platform", "load_platforms"]


# One process loads the same folder several times (inv setup: validate, render, migrate); the
# folder's files are read and validated once as long as none of them changes.
_LOADED: dict[Path, tuple[tuple[tuple[str, int, int], ...], ConfigSet]] = {}


def _fingerprint(config_dir: Path) -> tuple[tuple[str, int, int], ...]:
    stats = []
    for path in sorted(config_dir.rglob("*")):
        if path.is_file():
            info = path.stat()
            stats.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stats)


def load_config(config_dir: Path, *, local_override: Document | None = None) -> ConfigSet:
    """:func:`avion_workspace.config.validate.load_config`, once per unchanged folder.

    With this machine's ``local_override`` (see :mod:`.override`) nothing is memoised: the
    override may live outside the folder, where the fingerprint does not look.
    """
    if local_override is not None:
        return _load_config(config_dir, local_override=local_override)
    key = Path(config_dir).resolve()
    fingerprint = _fingerprint(key)
    cached = _LOADED.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    config = _load_config(config_dir)
    _LOADED[key] = (fingerprint, config)
    return config


def load_platforms(config_dir: Path) -> dict[str, Platform]:
    """Every environment's platform model, validated."""
    config = load_config(config_dir)
    return {env: build_platform(doc.data, env) for env, doc in config.effective.items()}


def load_platform(config_dir: Path, env: str = "local") -> Platform:
    """The platform model of one environment; a :class:`ConfigError` names unknown ones.

    ``local`` includes this machine's override (config/local.override.yaml): this is what the
    local stack, ``.env`` and ``inv run`` use. Rendering goes through :func:`load_platforms`,
    which never reads it.
    """
    from avion_workspace.config.override import load_override

    override = load_override(config_dir) if env == "local" else None
    config = load_config(config_dir, local_override=override)
    if env not in config.effective:
        raise ConfigError(
            f"unknown environment {env!r}",
            hint=f"declared environments: {', '.join(config.environments)}",
        )
    return build_platform(config.effective[env].data, env)
