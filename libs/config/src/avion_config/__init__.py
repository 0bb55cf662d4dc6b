"""Typed settings from environment variables and secret files, validated all at once."""

from avion_config import checks
from avion_config.parse import ParseError
from avion_config.secret import Secret
from avion_config.settings import (
    DEFAULT_SECRETS_DIR,
    SECRETS_DIR_ENV,
    SettingInfo,
    SettingProblem,
    SettingsError,
    describe_settings,
    load_settings,
    nested,
    setting,
    settings,
)

__all__ = [
    "DEFAULT_SECRETS_DIR",
    "SECRETS_DIR_ENV",
    "ParseError",
    "Secret",
    "SettingInfo",
    "SettingProblem",
    "SettingsError",
    "checks",
    "describe_settings",
    "load_settings",
    "nested",
    "setting",
    "settings",
]
