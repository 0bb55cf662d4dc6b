"""Generated documentation: the tables a doc would otherwise copy from config by hand.

``docs/deploy-secrets.md`` lists every Kubernetes Secret the rendered charts and infrastructure
values reference (name, keys, who uses it), so a new service's Secret appears in the deploy
docs when it is rendered — ``inv render --check`` keeps the table current, no test to appease.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from avion_workspace.render.charts import chart_values
from avion_workspace.render.infrastructure import infrastructure
from avion_workspace.render.plan import PLATFORM_SOURCE, GeneratedFile, RenderContext, template_file

DEPLOY_SECRETS = "docs/deploy-secrets.md"  # pragma: allowlist secret (a file name)

# How the infrastructure values name a Secret (the upstream charts' own keys).
_SECRET_REFERENCE = re.compile(
    r"(?:existingSecret|existingMasterKeySecret|credentialsSecret|secretName):\s*([a-z0-9-]+)"
)
# What each infrastructure Secret holds; one not listed here is still in the table, with where.
INFRASTRUCTURE_SECRETS = {
    "postgresql-ha-credentials": "PostgreSQL HA (postgres and repmgr passwords)",
    "postgresql-ha-pgpool-credentials": "pgpool-II admin password",
    "redis-credentials": "Redis with Sentinel (key `redis-password`)",
    "minio-credentials": "MinIO root user and password (where the environment runs MinIO)",
    "meilisearch-credentials": "Meilisearch master key",
    "avion-backup-credentials": "the backup CronJob: `pgpass`, `access-key`, `secret-key` for the backups bucket",
}


def service_secrets(context: RenderContext) -> list[dict[str, object]]:
    """One row per service: its Secret, the keys it needs in any environment."""
    rows: dict[str, dict[str, object]] = {}
    for platform in context.platforms.values():
        for service in platform.services.values():
            secrets = chart_values(platform, service)["secrets"]
            row = rows.setdefault(
                service.name, {"secret": secrets["secretName"], "keys": [], "service": service.name}
            )
            keys = row["keys"]
            assert isinstance(keys, list)
            keys.extend(k for k in secrets["keys"] if k not in keys)
    return list(rows.values())


def infrastructure_secrets(context: RenderContext) -> list[dict[str, str]]:
    """Every Secret the rendered infrastructure files reference, with what it holds."""
    where: dict[str, list[str]] = {}
    for generated in infrastructure(context):
        text = generated.content.decode("utf-8", errors="replace")
        for name in _SECRET_REFERENCE.findall(text):
            files = where.setdefault(name, [])
            if generated.path not in files:
                files.append(generated.path)
    return [
        {
            "secret": name,
            "used_by": INFRASTRUCTURE_SECRETS.get(name, "referenced by " + ", ".join(files)),
        }
        for name, files in sorted(where.items())
    ]


def docs(context: RenderContext) -> Iterable[GeneratedFile]:
    yield template_file(
        DEPLOY_SECRETS,
        "docs/deploy-secrets.md.j2",
        PLATFORM_SOURCE,
        services=service_secrets(context),
        infrastructure=infrastructure_secrets(context),
    )
