"""Where the workspace is: its root directory and default config folder."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.errors import AvionError


def find_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding ``tasks.py`` and ``config/``."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "tasks.py").is_file() and (candidate / "config").is_dir():
            return candidate
    raise AvionError(
        f"{here} is not inside an Avion workspace",
        hint="run inv from the workspace (the folder with tasks.py and config/)",
    )


def resolve_config_dir(override: str | None = None) -> Path:
    """``--config-dir`` when given, else the workspace's ``config/``."""
    if override:
        return Path(override).resolve()
    return find_root() / "config"
