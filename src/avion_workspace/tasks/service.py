"""``inv service.*``: add a service from the template."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(
    positional=["name"],
    iterable=["redis", "buckets"],
    help={
        "name": "the new service: lowercase letters, digits and '-' (e.g. direct-message)",
        "description": "one line saying what it does (default: 'The NAME service')",
        "redis": "a Redis namespace it uses; repeat for several (default: cache)",
        "buckets": "an object storage bucket it uses; repeat for several",
        "search": "it uses Meilisearch",
        "config_dir": "configuration folder (default: <workspace>/config)",
    },
)
def new(
    c: Context,
    name: str,
    description: str | None = None,
    redis: list[str] | None = None,
    buckets: list[str] | None = None,
    search: bool = False,
    config_dir: str | None = None,
) -> None:
    """Add a service: config/platform.yaml entry, database, ports, rendered scaffolding, team files."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_new

    guarded(
        lambda: run_new(
            name,
            description=description,
            redis=redis or [],
            buckets=buckets or [],
            search=search,
            config_dir=config_dir,
        )
    )


ns = Collection("service", new)
