"""What ``inv config.*`` does, callable without invoke."""

from __future__ import annotations

import json
import sys

import yaml

from avion_workspace.config.override import load_override, override_path
from avion_workspace.config.validate import load_config
from avion_workspace.errors import ConfigError
from avion_workspace.workspace import resolve_config_dir


def run_validate(config_dir: str | None) -> None:
    cdir = resolve_config_dir(config_dir)
    config = load_config(cdir, local_override=load_override(cdir))
    root = cdir.parent
    if (root / "tasks.py").is_file():  # the workspace's own config: its services' team files
        from avion_workspace.config.model import build_platform
        from avion_workspace.services.completeness import team_file_problems

        local = build_platform(config.effective["local"].data, "local")
        problems = team_file_problems(root, local, config.base)
        if problems:
            raise ConfigError.from_problems(problems)
    data = config.base.data
    print(
        f"config OK: {len(data['services'])} services, {len(data['postgres']['databases'])} databases, "
        f"{len(data['object_storage']['buckets'])} buckets, environments: {', '.join(config.environments)}"
    )
    if (path := override_path(cdir)) is not None:
        print(f"local override: {path} (the local stack, .env and inv run; never inv render)")


def run_show(config_dir: str | None, *, env: str, as_json: bool) -> None:
    cdir = resolve_config_dir(config_dir)
    config = load_config(cdir, local_override=load_override(cdir) if env == "local" else None)
    if env not in config.effective:
        raise ConfigError(
            f"unknown environment {env!r}", hint=f"declared: {', '.join(config.environments)}"
        )
    data = config.effective[env].data
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, width=100))
