"""What ``inv cdn.*`` does, callable without invoke."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.cdn.deploy import deploy, lint_templates
from avion_workspace.config import load_platform, load_platforms
from avion_workspace.workspace import find_root, resolve_config_dir


def run_deploy(env: str, *, dry_run: bool, signing_key: str | None, config_dir: str | None) -> None:
    platform = load_platform(resolve_config_dir(config_dir), env)
    key = Path(signing_key) if signing_key else None
    output = deploy(find_root(), platform, dry_run=dry_run, signing_key=key)
    if dry_run:
        print(f"would run: {output}")
    else:
        print(output or f"CDN stack of {env} deployed")


def run_lint(config_dir: str | None) -> None:
    platforms = load_platforms(resolve_config_dir(config_dir))
    checked = lint_templates(find_root(), list(platforms.values()))
    if checked:
        print(f"cfn-lint OK: {', '.join(checked)}")
    else:
        print("no environment has a CDN: nothing to lint")
