"""Per-service top-level tasks, mirroring the plan's Makefile targets.

Each takes ``--service NAME`` and acts on every service when none is named.
"""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

_SERVICE = "the service (default: every service)"
_CONFIG = "configuration folder (default: <workspace>/config)"


@task(name="run", help={"service": _SERVICE, "config_dir": _CONFIG})
def run_(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Run services in the foreground against the local stack (.env credentials); Ctrl-C stops."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_run

    guarded(lambda: run_run(service, config_dir))


@task(help={"service": _SERVICE, "config_dir": _CONFIG})
def build(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Build services' wheels into dist/services/NAME/."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_build

    guarded(lambda: run_build(service, config_dir))


@task(name="test", help={"service": _SERVICE, "config_dir": _CONFIG})
def run_tests(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Run services' tests (in .venv-services, created on first use)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_test

    guarded(lambda: run_test(service, config_dir))


@task(
    name="test-coverage",
    help={
        "service": _SERVICE,
        "fail_under": "fail when total coverage is below this percentage",
        "config_dir": _CONFIG,
    },
)
def run_tests_with_coverage(
    c: Context,
    service: str | None = None,
    fail_under: float | None = None,
    config_dir: str | None = None,
) -> None:
    """Run services' tests with a branch coverage report."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_test

    guarded(lambda: run_test(service, config_dir, coverage=True, fail_under=fail_under))


@task(help={"service": _SERVICE, "config_dir": _CONFIG})
def lint(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """ruff, ruff format --check, mypy --strict and hadolint over services."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_lint

    guarded(lambda: run_lint(service, config_dir))


@task(help={"service": _SERVICE, "config_dir": _CONFIG})
def generate(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Render generated files from config, and compile services' .proto files."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_generate

    guarded(lambda: run_generate(service, config_dir))


@task(
    help={
        "service": _SERVICE,
        "tag": "image tag (default: dev)",
        "push": "push each image to the registry in config after building it",
        "config_dir": _CONFIG,
    }
)
def docker_build(
    c: Context,
    service: str | None = None,
    tag: str = "dev",
    push: bool = False,
    config_dir: str | None = None,
) -> None:
    """Build services' container images through the Docker engine (docker SDK); --push them."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_docker_build

    guarded(lambda: run_docker_build(service, tag, config_dir, push=push))


@task(help={"service": _SERVICE, "config_dir": _CONFIG})
def migrate_up(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Apply pending migrations to services' local databases."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_migrate_up

    guarded(lambda: run_migrate_up(service, config_dir))


@task(help={"service": _SERVICE, "config_dir": _CONFIG})
def clean(c: Context, service: str | None = None, config_dir: str | None = None) -> None:
    """Remove services' build outputs and caches (never sources)."""
    from avion_workspace.boundary import guarded
    from avion_workspace.services.cli import run_clean

    guarded(lambda: run_clean(service, config_dir))


TASKS = (
    run_,
    build,
    run_tests,
    run_tests_with_coverage,
    lint,
    generate,
    docker_build,
    migrate_up,
    clean,
)
