"""``inv cdn.*`` and ``inv storage.*``: a rendered CloudFormation template (the CDN's, or the
buckets') to a change set, or to cfn-lint.

Each stack is a :class:`Stack`: which environments have it, its rendered file and its name. A
deploy reads the committed template only when it equals what config renders now, so what was
reviewed is what is deployed. The AWS CLI creates and executes the change set with the caller's
credentials (in CI: the OIDC role); nothing here holds any.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, StaleRender, ToolMissing
from avion_workspace.process import CommandRunner, run_command
from avion_workspace.render import cdn, storage
from avion_workspace.render.cdn import SIGNING_KEY_PARAMETER
from avion_workspace.render.plan import GeneratedFile
from avion_workspace.render.workflows import cloud_region


@dataclass(frozen=True)
class Stack:
    """One kind of rendered CloudFormation stack and what deploying it needs."""

    title: str  # in messages: "the CDN stack"
    renderer: str  # the module that renders it, for hints
    applies: Callable[[Platform], bool]
    absent: Callable[[Platform], str]  # why an environment has none
    absent_hint: str
    file: Callable[[Platform], GeneratedFile]
    name: Callable[[Platform], str]


CDN = Stack(
    title="CDN",
    renderer="src/avion_workspace/render/cdn.py",
    applies=lambda p: p.environment.cdn is not None,
    absent=lambda p: f"environment {p.environment.name!r} has no CDN",
    absent_hint="a CDN is declared under $.environments.<env>.cdn in config/platform.yaml",
    file=cdn.cdn_file,
    name=cdn.stack_name,
)
STORAGE = Stack(
    title="storage",
    renderer="src/avion_workspace/render/storage.py",
    applies=storage.has_storage_stack,
    absent=lambda p: (
        f"environment {p.environment.name!r} keeps its objects in "
        f"{p.object_storage.provider!r}, not in AWS S3: it has no storage stack"
    ),
    absent_hint="only environments with object_storage.provider: s3 have one; the in-cluster "
    "server's buckets are made by its chart (docs/decisions/0018-staging-buckets.md)",
    file=storage.storage_file,
    name=storage.stack_name,
)


def rendered_template(root: Path, platform: Platform, stack: Stack = CDN) -> Path:
    """The committed template of ``platform``'s ``stack``; an error unless it is current."""
    if not stack.applies(platform):
        raise AvionError(stack.absent(platform), hint=stack.absent_hint)
    expected = stack.file(platform)
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
    stack: Stack = CDN,
) -> list[str]:
    """``aws cloudformation deploy`` of the environment's ``stack``.

    ``deploy`` creates a change set and, unless ``execute`` is false
    (``--no-execute-changeset``), executes it; an empty change set is success. Without a
    ``signing_key`` an existing stack keeps its key; a first deploy of a CDN with signed paths
    needs one.
    """
    template = rendered_template(root, platform, stack)
    argv = [
        aws,
        "cloudformation",
        "deploy",
        "--stack-name",
        stack.name(platform),
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


ADOPT_CHANGE_SET = "adopt-existing"


def adopt_argv(aws: str, root: Path, platform: Platform, stack: Stack = STORAGE) -> list[str]:
    """A change set creating ``stack`` that takes over the resources already there by name.

    Production's buckets were made by hand before the storage stack existed: a plain deploy
    would fail on them ("already exists"). ``--import-existing-resources`` imports each
    resource whose name is already taken (the buckets; ``Retain`` is required and present) and
    creates the rest. The change set is only created, to be reviewed and executed by a person.
    """
    template = rendered_template(root, platform, stack)
    return [
        aws,
        "cloudformation",
        "create-change-set",
        "--stack-name",
        stack.name(platform),
        "--change-set-name",
        ADOPT_CHANGE_SET,
        "--change-set-type",
        "CREATE",
        "--import-existing-resources",
        "--template-body",
        f"file://{template.relative_to(root).as_posix()}",
        "--region",
        cloud_region(platform),
        "--tags",
        f"Key=platform,Value={platform.name}",
        f"Key=environment,Value={platform.environment.name}",
    ]


def review_commands(platform: Platform, stack: Stack = STORAGE) -> str:
    """What a person runs after :func:`adopt_argv`: look at the change set, then execute it."""
    where = [
        "--stack-name",
        stack.name(platform),
        "--change-set-name",
        ADOPT_CHANGE_SET,
        "--region",
        cloud_region(platform),
    ]
    return "\n".join(
        format_argv(["aws", "cloudformation", verb, *where])
        for verb in ("describe-change-set", "execute-change-set")
    )


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
    stack: Stack = CDN,
    adopt: bool = False,
) -> str:
    """Deploy ``stack``, or with ``dry_run`` only return the command that would.

    With ``adopt`` (first deploy over resources made by hand): create the change set of
    :func:`adopt_argv` and return how to review and execute it.
    """
    key = read_signing_key(signing_key) if signing_key is not None else None

    def argv_of(aws: str) -> list[str]:
        if adopt:
            return adopt_argv(aws, root, platform, stack)
        return deploy_argv(aws, root, platform, signing_key=key, stack=stack)

    if dry_run:
        return format_argv(argv_of("aws"))
    aws = which("aws")
    if aws is None:
        raise ToolMissing(
            f"the AWS CLI (aws) is not installed, so the {stack.title} stack cannot be deployed "
            "from here",
            hint="CI's runners have it; locally `pip install awscli` and sign in, or use --dry-run "
            "to print the command",
        )
    argv = argv_of(aws)
    result = runner(argv, cwd=root)
    if not result.ok:
        raise AvionError(
            f"aws cloudformation {argv[2]} of {stack.name(platform)} failed:\n{result.output}",
            hint="the caller needs the environment's cloud role; "
            "`aws cloudformation describe-stack-events` shows what CloudFormation refused",
        )
    if adopt:
        return f"change set {ADOPT_CHANGE_SET} created; review it, then execute it:\n" + (
            review_commands(platform, stack)
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
    root: Path,
    platforms: Sequence[Platform],
    runner: CommandRunner = run_command,
    stack: Stack = CDN,
) -> list[str]:
    """cfn-lint over every environment's ``stack`` template; returns the paths it checked."""
    paths = [
        rendered_template(root, p, stack).relative_to(root).as_posix()
        for p in platforms
        if stack.applies(p)
    ]
    if not paths:
        return []
    result = runner([cfn_lint_program(), "--format", "parseable", "--", *paths], cwd=root)
    if not result.ok:
        raise AvionError(
            f"cfn-lint found problems in the {stack.title} templates:\n{result.output}",
            hint=f"fix the renderer ({stack.renderer}) or the config it reads, then `inv render`",
        )
    return paths
