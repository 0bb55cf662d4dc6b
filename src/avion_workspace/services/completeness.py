"""A service declared in config must have its team's files: else its code cannot import its API.

Adding a service by editing config/platform.yaml and running ``inv render`` generates its
scaffolding but not the files ``inv service.new`` creates once for the team (``api.py``, the
package, ...). ``inv config.validate`` and ``inv render`` report such a service, located at its
config entry, with the command that creates them: ``inv service.new NAME`` (which, for a
service already in config, creates only its missing team files).
"""

from __future__ import annotations

from pathlib import Path

from avion_workspace.config.loader import Document
from avion_workspace.config.model import Platform
from avion_workspace.errors import Problem
from avion_workspace.render.services import team_paths

# The team files a service cannot start without: its package and the API its entry point imports.
# The others (README, tests, domain/, application/) are the team's to reshape or delete.
_IMPORTED = ("/__init__.py", "/api.py")


def services_without_team_files(root: Path, platform: Platform) -> dict[str, list[str]]:
    """``{service: [missing team file, ...]}`` for services lacking the package or its ``api.py``."""
    missing: dict[str, list[str]] = {}
    for name, service in platform.services.items():
        package = f"/src/{service.package}"
        imported = [
            p
            for p in team_paths(service).values()
            if p.endswith(tuple(package + i for i in _IMPORTED))
        ]
        absent = [p for p in imported if not (root / p).exists()]
        if absent:
            missing[name] = absent
    return missing


def team_file_problems(root: Path, platform: Platform, base: Document) -> list[Problem]:
    """One located problem per service declared without its team's files."""
    return [
        Problem(
            f"service {name!r} is in config but lacks its team's {', '.join(files)}: "
            "its code cannot import its API",
            base.locate(("services", name), key=True),
            f"$.services.{name}",
            f"run `inv service.new {name}` (for a service already in config it creates only the "
            "missing team files)",
        )
        for name, files in services_without_team_files(root, platform).items()
    ]
