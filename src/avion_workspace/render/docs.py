"""Generated documentation: the tables a doc would otherwise copy from config by hand.

``docs/deploy-secrets.md`` lists every Kubernetes Secret the rendered charts and infrastructure
values reference (name, keys, who uses it), so a new service's Secret appears in the deploy
docs when it is rendered — ``inv render --check`` keeps the table current, no test to appease.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from avion_workspace.render.charts import chart_secrets
from avion_workspace.render.infrastructure import infrastructure
from avion_workspace.render.plan import PLATFORM_SOURCE, GeneratedFile, RenderContext, template_file

DEPLOY_SECRETS = "docs/deploy-secrets.md"  # pragma: allowlist secret (a file name)

# How the infrastructure values name a Secret (the upstream charts' own keys, CloudNativePG's
# managed roles and backups, and the Secrets mounted into Alertmanager).
_SECRET_REFERENCE = re.compile(
    r"(?:existingSecret|existingMasterKeySecret|credentialsSecret|passwordSecret|secretName):"
    r"\s*([a-z0-9-]+)"
    r"|/etc/alertmanager/secrets/([a-z0-9-]+)/"
)
# What each infrastructure Secret holds; one not listed here is still in the table, with where.
INFRASTRUCTURE_SECRETS = {
    "redis-credentials": "Redis with Sentinel (key `auth`: the admin `default` user's password)",
    "redis-acl-credentials": "Redis ACL users (key `users.acl`): the `redis-acl-rules` ConfigMap's lines with each service's password hash",
    "s3-credentials": "Versity S3 Gateway root keys `rootAccessKeyId`, `rootSecretAccessKey`, read by the gateway and by the avion-datastores bucket Job (local and staging; production uses AWS S3)",
    "meilisearch-credentials": "Meilisearch master key",
    "avion-backup-credentials": "CloudNativePG base backups and WAL archiving: `ACCESS_KEY_ID`, `ACCESS_SECRET_KEY` for the `avion-backups` bucket",
    "alertmanager-slack": "Alertmanager's Slack webhook URL (key `webhook-url`), mounted as a file; never inline in values",
}
# Secrets named by pattern: (prefix, the row's name, what one holds).
INFRASTRUCTURE_SECRET_PATTERNS = (
    (
        "postgres-",
        "postgres-<owner>-credentials",
        "one per service database owner (e.g. `postgres-avion-auth-credentials`): CloudNativePG managed role of one database owner: a `kubernetes.io/basic-auth` Secret with `username` and `password` (the service's database password)",
    ),
)


def _holds(name: str, files: list[str]) -> str:
    if name in INFRASTRUCTURE_SECRETS:
        return INFRASTRUCTURE_SECRETS[name]
    for _, pattern, holds in INFRASTRUCTURE_SECRET_PATTERNS:
        if name == pattern:
            return holds
    return "referenced by " + ", ".join(files)


def service_secrets(context: RenderContext) -> list[dict[str, object]]:
    """One row per service: its Secret, the keys it needs in any environment."""
    rows: dict[str, dict[str, object]] = {}
    for platform in context.platforms.values():
        for service in platform.services.values():
            secrets = chart_secrets(platform, service)
            row = rows.setdefault(
                service.name, {"secret": secrets["secretName"], "keys": [], "service": service.name}
            )
            keys = row["keys"]
            assert isinstance(keys, list)
            keys.extend(k for k in secrets["keys"] if k not in keys)
    return list(rows.values())


def infrastructure_secrets(context: RenderContext) -> list[dict[str, str]]:
    """Every Secret the rendered infrastructure values reference, with what it holds.

    Secrets named by a pattern (one per database owner) are one row, named by the pattern.
    """
    where: dict[str, list[str]] = {}
    for generated in infrastructure(context):
        if "/templates/" in generated.path:
            continue  # chart templates name Secrets through values, not literally
        text = generated.content.decode("utf-8", errors="replace")
        for match in _SECRET_REFERENCE.finditer(text):
            name = _row_name(match.group(1) or match.group(2))
            files = where.setdefault(name, [])
            if generated.path not in files:
                files.append(generated.path)
    return [
        {"secret": name, "used_by": _holds(name, files)} for name, files in sorted(where.items())
    ]


def _row_name(secret: str) -> str:
    for prefix, pattern, _ in INFRASTRUCTURE_SECRET_PATTERNS:
        if secret.startswith(prefix):
            return pattern
    return secret


def docs(context: RenderContext) -> Iterable[GeneratedFile]:
    yield template_file(
        DEPLOY_SECRETS,
        "docs/deploy-secrets.md.j2",
        PLATFORM_SOURCE,
        services=service_secrets(context),
        infrastructure=infrastructure_secrets(context),
    )
