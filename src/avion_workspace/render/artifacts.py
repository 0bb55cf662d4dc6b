"""The registry of renderers: every artifact the workspace generates from config.

Each renderer is a pure function of the :class:`RenderContext`. Add a new artifact by writing a
renderer (usually a few ``template_file`` calls) and listing it in :data:`RENDERERS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from avion_workspace import localenv
from avion_workspace.config.model import Platform
from avion_workspace.render.cdn import cdn_templates
from avion_workspace.render.charts import charts
from avion_workspace.render.diagrams import diagrams
from avion_workspace.render.docs import docs
from avion_workspace.render.infrastructure import infrastructure
from avion_workspace.render.monitoring import monitoring
from avion_workspace.render.plan import (
    PLATFORM_SOURCE,
    GeneratedFile,
    RenderContext,
    Renderer,
    template_file,
)
from avion_workspace.render.services import service_scaffolding
from avion_workspace.render.storage import storage_templates
from avion_workspace.render.workflows import workflows

# Pinned upstream images for the local Docker stack; versions of postgres, redis and meilisearch
# come from config, the S3 server's is the one the native stack builds (tools.py).
S3_IMAGE = "ghcr.io/versity/versitygw:v1.8.0"


def local_images(platform: Platform) -> dict[str, str]:
    return {
        "postgres": f"postgres:{platform.postgres.version}-alpine",
        "redis": f"redis:{platform.redis.version}-alpine",
        "s3": S3_IMAGE,
        "meilisearch": f"getmeili/meilisearch:v{platform.search.version}",
    }


def local_stack(context: RenderContext) -> Iterable[GeneratedFile]:
    """docker-compose.yml, its Postgres init script, and .env.example."""
    platform = context.local
    values: dict[str, Any] = {
        "project": platform.name,
        "images": local_images(platform),
        "databases": localenv.databases(platform),
        "redis_users": localenv.redis_users(platform),
        "buckets": list(platform.object_storage.buckets.values()),
        "ports": {
            "postgres": platform.postgres.local_port,
            "redis": platform.redis.local_port,
            "s3": platform.object_storage.local_port,
            "s3_console": platform.object_storage.local_console_port,
            "search": platform.search.local_port,
        },
    }
    yield template_file(
        "docker-compose.yml", "local/docker-compose.yml.j2", PLATFORM_SOURCE, **values
    )
    yield template_file(
        "infrastructure/local/postgres-init.sh",
        "local/postgres-init.sh.j2",
        PLATFORM_SOURCE,
        executable=True,
        **values,
    )
    yield template_file(".env.example", "local/env.example.j2", PLATFORM_SOURCE, **values)


def migration_folders(context: RenderContext) -> Iterable[GeneratedFile]:
    """services/<name>/migrations/README.md for every service with a database."""
    for service in context.local.services.values():
        if service.database is None:
            continue
        yield template_file(
            f"{service.migrations_dir}/README.md",
            "services/migrations-readme.md.j2",
            PLATFORM_SOURCE,
            service=service,
        )


RENDERERS: tuple[Renderer, ...] = (
    local_stack,
    migration_folders,
    charts,
    infrastructure,
    monitoring,
    workflows,
    service_scaffolding,
    cdn_templates,
    storage_templates,
    diagrams,
    docs,
)
