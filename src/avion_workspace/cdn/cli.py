"""What ``inv cdn.*`` and ``inv storage.*`` do, callable without invoke."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.cdn.deploy import CDN, STORAGE, Stack, deploy, lint_templates
from avion_workspace.config import load_platform, load_platforms
from avion_workspace.workspace import find_root, resolve_config_dir


def run_deploy(
    env: str,
    *,
    dry_run: bool,
    signing_key: str | None,
    config_dir: str | None,
    stack: Stack = CDN,
    adopt: bool = False,
) -> None:
    platform = load_platform(resolve_config_dir(config_dir), env)
    key = Path(signing_key) if signing_key else None
    output = deploy(
        find_root(), platform, dry_run=dry_run, signing_key=key, stack=stack, adopt=adopt
    )
    if dry_run:
        print(f"would run: {output}")
    else:
        print(output or f"{stack.title} stack of {env} deployed")


def run_storage_deploy(env: str, *, dry_run: bool, adopt: bool, config_dir: str | None) -> None:
    run_deploy(
        env, dry_run=dry_run, signing_key=None, config_dir=config_dir, stack=STORAGE, adopt=adopt
    )


def run_lint(config_dir: str | None, stack: Stack = CDN) -> None:
    platforms = load_platforms(resolve_config_dir(config_dir))
    checked = lint_templates(find_root(), list(platforms.values()), stack=stack)
    if checked:
        print(f"cfn-lint OK: {', '.join(checked)}")
    elif stack is CDN:
        print("no environment has a CDN: nothing to lint")
    else:
        print("no environment keeps its objects in AWS S3: nothing to lint")
