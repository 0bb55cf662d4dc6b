"""``inv infra.*``: the local platform stack (PostgreSQL, Redis, S3, Meilisearch)."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from avion_workspace.tasks.optional import OptionalPositionalTask

_CONFIG_HELP = {"config_dir": "configuration folder (default: <workspace>/config)"}


@task(
    help={
        "backend": "docker or native (default: the one in use, else docker if an engine answers)",
        "monitoring": "also start a local Prometheus with the alert rules, scraping `inv run` services",
        **_CONFIG_HELP,
    }
)
def up(
    c: Context, backend: str | None = None, config_dir: str | None = None, monitoring: bool = False
) -> None:
    """Start the local stack, wait until every component answers, create roles/databases/buckets."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_up

    guarded(lambda: run_up(backend, config_dir, monitoring=monitoring))


@task(help=_CONFIG_HELP)
def install(c: Context, config_dir: str | None = None) -> None:
    """Install the native stack's server programs (pinned into .tools/; Redis by apt as root)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_install

    guarded(lambda: run_install(config_dir))


@task(help=_CONFIG_HELP)
def down(c: Context, config_dir: str | None = None) -> None:
    """Stop the local stack; its data stays (inv setup or infra.up brings it back)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_down

    guarded(lambda: run_down(config_dir))


@task(
    help={
        "json": "print one JSON object with URLs, DSNs and keys for local clients",
        **_CONFIG_HELP,
    }
)
def status(c: Context, json: bool = False, config_dir: str | None = None) -> None:
    """Each component's state, probed for real, with its URL."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_status

    guarded(lambda: run_status(config_dir, as_json=json))


@task(
    klass=OptionalPositionalTask,
    positional=["component"],
    help={
        "component": "postgres, redis, s3, search or all (default: all)",
        "lines": "how many lines",
        **_CONFIG_HELP,
    },
)
def logs(
    c: Context, component: str | None = None, lines: int = 50, config_dir: str | None = None
) -> None:
    """The last lines of a component's server log."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_logs

    guarded(lambda: run_logs(component, config_dir, lines=lines))


@task(help={"yes": "do not ask for confirmation", **_CONFIG_HELP})
def reset(c: Context, yes: bool = False, config_dir: str | None = None) -> None:
    """Stop the local stack and DELETE its data (asks first unless --yes)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.infra.cli import run_reset

    guarded(lambda: run_reset(config_dir, yes=yes))


ns = Collection("infra", install, up, down, status, logs, reset)
