"""The team's files of a service: created once, never overwritten, never in the render plan."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.config.model import Platform, Service
from avion_workspace.pathpolicy import safe_target
from avion_workspace.render.services import team_files
from avion_workspace.render.writer import atomic_write


def create_team_files(root: Path, platform: Platform, service: Service) -> list[str]:
    """Write the service's team-owned files that do not exist yet; returns the paths written."""
    written = []
    for path, content in team_files(platform, service).items():
        target = safe_target(root, path, what="team file")
        if target.exists() or target.is_symlink():
            continue
        atomic_write(target, content)
        written.append(path)
    return written
