"""Where the workspace is: its root directory and default config folder."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.errors import AvionError, Location, Problem


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
        try:
            return Path(override).resolve(strict=False)
        except (RuntimeError, OSError) as exc:  # a symbolic link loop
            raise AvionError(
                f"--config-dir {override}: cannot be resolved ({exc})",
                problems=[Problem("a symbolic link loop or unreadable path", Location(override))],
                hint="name the real configuration folder (e.g. --config-dir config)",
            ) from None
    return find_root() / "config"
