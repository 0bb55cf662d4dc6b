"""Configuration: safe loading, overlay merge, validation and the platform model."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.config.model import Platform, Service, build_platform
from avion_workspace.config.validate import ConfigSet, load_config
from avion_workspace.errors import ConfigError

__all__ = ["ConfigSet", "Platform", "Service", "load_config", "load_platform", "load_platforms"]


def load_platforms(config_dir: Path) -> dict[str, Platform]:
    """Every environment's platform model, validated."""
    config = load_config(config_dir)
    return {env: build_platform(doc.data, env) for env, doc in config.effective.items()}


def load_platform(config_dir: Path, env: str = "local") -> Platform:
    """The platform model of one environment; a :class:`ConfigError` names unknown ones."""
    config = load_config(config_dir)
    if env not in config.effective:
        raise ConfigError(
            f"unknown environment {env!r}",
            hint=f"declared environments: {', '.join(config.environments)}",
        )
    return build_platform(config.effective[env].data, env)
