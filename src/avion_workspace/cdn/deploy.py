"""``inv cdn.deploy`` and ``inv cdn.lint``: a rendered CDN template to a change set, or to cfn-lint.

A deploy reads the committed template only when it equals what config renders now, so what was
reviewed is what is deployed. The AWS CLI creates and executes the change set with the caller's
credentials (in CI: the OIDC role); nothing here holds any.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, StaleRender, ToolMissing
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.render.cdn import SIGNING_KEY_PARAMETER, cdn_file, stack_name
from avion_workspace.render.workflows import cloud_region


def rendered_template(root: Path, platform: Platform) -> Path:
    """The committed template of ``platform``'s CDN; an error unless it is current."""
    env = platform.environment.name
    if platform.environment.cdn is None:
        raise AvionError(
            f"environment {env!r} has no CDN",
            hint="a CDN is declared under $.environments.<env>.cdn in config/platform.yaml",
        )
    expected = cdn_file(platform)
    path = root / expected.path
    if not path.is_file() or path.read_bytes() != expected.content:
        raise StaleRender(
            f"{expected.path} is missing or differs from what config renders",
            hint="run `inv render`, review and commit the template, then deploy",
        )
    return path


_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*")


def read_signing_key(path: Path) -> str:
    """The PEM public key that verifies signed URLs, checked before AWS sees it."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise AvionError(
            f"cannot read the URL-signing public key {path}: {exc}",
            hint="pass the PEM public key: openssl rsa -in signing.pem -pubout -out signing.pub",
        ) from None
    if not _PUBLIC_KEY.fullmatch(text):
        raise AvionError(
            f"{path} is not a PEM public key (-----BEGIN PUBLIC KEY-----)",
            hint="CloudFront takes the public half only: openssl rsa -in signing.pem -pubout",
        )
    return text.strip() + "\n"


def deploy_argv(
    aws: str,
    root: Path,
    platform: Platform,
    *,
    execute: bool = True,
    signing_key: str | None = None,
) -> list[str]:
    """``aws cloudformation deploy`` of the environment's CDN stack.

    ``deploy`` creates a change set and, unless ``execute`` is false
    (``--no-execute-changeset``), executes it; an empty change set is success. Without a
    ``signing_key`` an existing stack keeps its key; a first deploy of a CDN with signed paths
    needs one.
    """
    template = rendered_template(root, platform)
    argv = [
        aws,
        "cloudformation",
        "deploy",
        "--stack-name",
        stack_name(platform),
        "--template-file",
        template.relative_to(root).as_posix(),
        "--region",
        cloud_region(platform),
        "--no-fail-on-empty-changeset",
        "--tags",
        f"platform={platform.name}",
        f"environment={platform.environment.name}",
    ]
    if signing_key is not None:
        argv += ["--parameter-overrides", f"{SIGNING_KEY_PARAMETER}={signing_key}"]
    if not execute:
        argv.append("--no-execute-changeset")
    return argv


def format_argv(argv: Sequence[str]) -> str:
    return shlex.join(argv)


def deploy(
    root: Path,
    platform: Platform,
    *,
    dry_run: bool,
    signing_key: Path | None = None,
    runner: CommandRunner = run_command,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """Deploy the CDN stack, or with ``dry_run`` only return the command that would."""
    key = read_signing_key(signing_key) if signing_key is not None else None
    if dry_run:
        return format_argv(deploy_argv("aws", root, platform, signing_key=key))
    aws = which("aws")
    if aws is None:
        raise ToolMissing(
            "the AWS CLI (aws) is not installed, so the CDN stack cannot be deployed from here",
            hint="CI's runners have it; locally `pip install awscli` and sign in, or use --dry-run "
            "to print the command",
        )
    argv = deploy_argv(aws, root, platform, signing_key=key)
    result = runner(argv, cwd=root)
    if not result.ok:
        raise AvionError(
            f"aws cloudformation deploy of {stack_name(platform)} failed:\n{result.output}",
            hint="the caller needs the environment's cloud role; "
            "`aws cloudformation describe-stack-events` shows what CloudFormation refused",
        )
    return result.output


def cfn_lint_program() -> str:
    """cfn-lint installed next to this Python (the workspace's venv), else on PATH."""
    found = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which(
        "cfn-lint"
    )
    if found is None:
        raise ToolMissing(
            "cfn-lint is not installed",
            hint="it is a test dependency: pip install -e '.[dev]'",
        )
    return found


def lint_templates(
    root: Path, platforms: Sequence[Platform], runner: CommandRunner = run_command
) -> list[str]:
    """cfn-lint over every environment's CDN template; returns the paths it checked."""
    paths = [
        rendered_template(root, p).relative_to(root).as_posix()
        for p in platforms
        if p.environment.cdn is not None
    ]
    if not paths:
        return []
    result = runner([cfn_lint_program(), "--format", "parseable", "--", *paths], cwd=root)
    if not result.ok:
        raise AvionError(
            f"cfn-lint found problems in the CDN templates:\n{result.output}",
            hint="fix the renderer (src/avion_workspace/render/cdn.py) or the cdn config, "
            "then `inv render`",
        )
    return paths
