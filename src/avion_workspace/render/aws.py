"""What every CloudFormation template the workspace renders shares: where it goes, its stack's
name, the logical IDs made from config names, and the stamped YAML file.

:mod:`render.cdn` (the edge) and :mod:`render.storage` (the buckets) both build their template
as plain data and hand it to :func:`template_file`, so the two never disagree on a name.
"""

from __future__ import annotations

import re
from typing import Any

from avion_workspace.config.model import Platform
from avion_workspace.render.infrastructure import yaml_file
from avion_workspace.render.plan import GeneratedFile

AWS_DIR = "infrastructure/aws"


def template_path(env: str, stack: str) -> str:
    """``infrastructure/aws/<env>/<stack>.yaml``."""
    return f"{AWS_DIR}/{env}/{stack}.yaml"


def stack_name(platform: Platform, stack: str) -> str:
    """The CloudFormation stack of one template: ``<platform>-<env>-<stack>``."""
    return f"{platform.name}-{platform.environment.name}-{stack}"


def logical_id(name: str, suffix: str) -> str:
    """A CloudFormation logical ID from a config name: ``avion-media-processed`` → ``AvionMediaProcessed``."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part) + suffix


def bucket_arn(bucket: str) -> str:
    """The ``Fn::Sub`` pattern of a bucket's ARN (the partition resolved where it is deployed)."""
    return f"arn:${{AWS::Partition}}:s3:::{bucket}"


def tls_only_statement(bucket: str) -> dict[str, Any]:
    """The bucket policy statement refusing every request without TLS, on the bucket and its
    objects (each stack that owns a bucket's one policy includes it)."""
    arn = bucket_arn(bucket)
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::Sub": arn}, {"Fn::Sub": f"{arn}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def add_entry(section: dict[str, Any], logical: str, value: Any) -> None:
    """Add one template entry; two under one logical ID would silently drop one (config refuses
    names that collide, see config.validate.cdn_problems: reaching this is a workspace bug)."""
    if logical in section:
        raise ValueError(f"two template entries share the logical ID {logical!r}")
    section[logical] = value


def template_file(
    platform: Platform, stack: str, template: dict[str, Any], task: str
) -> GeneratedFile:
    """The generated template file of one stack, saying which ``inv`` tasks deploy and check it."""
    env = platform.environment.name
    return yaml_file(
        template_path(env, stack),
        template,
        comment=f"Deploy: inv {task}.deploy --env {env} (a change set); check: inv {task}.lint",
    )
