"""What ``inv service.new`` and the per-service tasks do, callable without invoke."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform, Service
from avion_workspace.services import targets
from avion_workspace.services.config_edit import NewService
from avion_workspace.services.pyenv import ServicesEnv, ensure_env
from avion_workspace.workspace import find_root, resolve_config_dir


def _context(
    config_dir: str | None, service: str | None
) -> tuple[Path, Platform, tuple[Service, ...]]:
    root = find_root()
    platform = load_platform(resolve_config_dir(config_dir))
    return root, platform, targets.select(platform, service)


def _env(root: Path, platform: Platform) -> ServicesEnv:
    return ensure_env(root, list(platform.services))


def run_new(
    name: str,
    *,
    description: str | None,
    redis: Sequence[str],
    buckets: Sequence[str],
    search: bool,
    config_dir: str | None,
) -> None:
    from avion_workspace.services.new import new_service

    root = find_root()
    spec = NewService(
        name=name,
        description=description or f"The {name} service",
        redis=tuple(redis) if redis else ("cache",),
        buckets=tuple(buckets),
        search=search,
    )
    report = new_service(root, spec, config_dir=resolve_config_dir(config_dir))
    print(
        f"added service {report.name}: database {report.database}, "
        f"local ports http {report.http_port} / grpc {report.grpc_port}"
    )
    print(
        f"rendered {len(report.rendered.created)} new and {len(report.rendered.updated)} "
        "updated generated files (config/platform.yaml changed: review and commit it)"
    )
    for path in report.team_files:
        print(f"created   {path}  (yours: never rewritten)")
    print(
        "next: `inv setup` (its database, role and Redis user on the local stack), then "
        f"`inv migrate.create init --service {name}` and `inv run --service {name}`"
    )


def run_build(service: str | None, config_dir: str | None) -> None:
    root, _platform, chosen = _context(config_dir, service)
    uv = targets.workspace_tool("uv")

    def build(s: Service) -> None:
        targets.run_steps(s, "build", targets.build_steps(root, uv, s))
        print(f"{s.name}: wheel in {targets.DIST_DIR}/{s.name}/")

    targets.for_each(chosen, "build", build)


def run_test(
    service: str | None,
    config_dir: str | None,
    *,
    coverage: bool = False,
    fail_under: float | None = None,
) -> None:
    root, platform, chosen = _context(config_dir, service)
    env = _env(root, platform)
    target = "test-coverage" if coverage else "test"

    def test(s: Service) -> None:
        steps = targets.pytest_steps(root, env, s, coverage=coverage, fail_under=fail_under)
        targets.run_steps(s, target, steps)

    targets.for_each(chosen, target, test)


def run_lint(service: str | None, config_dir: str | None) -> None:
    root, platform, chosen = _context(config_dir, service)
    env = _env(root, platform)
    ruff = targets.workspace_tool("ruff")
    hadolint = targets.pinned_hadolint(root)

    def lint(s: Service) -> None:
        targets.run_steps(s, "lint", targets.lint_steps(root, env, s, ruff=ruff, hadolint=hadolint))

    targets.for_each(chosen, "lint", lint)


def run_generate(service: str | None, config_dir: str | None) -> None:
    from avion_workspace.render.cli import run_render

    root, platform, chosen = _context(config_dir, service)
    run_render(config_dir, check=False, force=False)
    env = _env(root, platform)

    def generate(s: Service) -> None:
        steps = targets.protoc_steps(root, env, s)
        if not steps:
            print(
                f"{s.name}: no .proto files under services/{s.name}/proto: no gRPC code to generate"
            )
            return
        targets.run_steps(s, "generate", steps)

    targets.for_each(chosen, "generate", generate)


def run_docker_build(
    service: str | None, tag: str, config_dir: str | None, *, push: bool = False
) -> None:
    from avion_workspace.services.image import build_image, connect, push_image

    root, platform, chosen = _context(config_dir, service)
    client = connect()

    def build(s: Service) -> None:
        reference = build_image(root, platform, s, tag=tag, client=client)
        print(f"{s.name}: built {reference}")
        if push:
            print(f"{s.name}: pushed {reference}@{push_image(reference, client=client)}")

    targets.for_each(chosen, "docker-build", build)


def run_migrate_up(service: str | None, config_dir: str | None) -> None:
    from avion_migrate.runner import Command, migrate

    from avion_workspace.errors import AvionError
    from avion_workspace.migrate.targets import Selection, workspace_targets

    root, _platform, chosen = _context(config_dir, service)
    with_db = [s for s in chosen if s.database is not None]
    if service is not None and not with_db:
        raise AvionError(f"service {service!r} has no database to migrate")
    config_path = resolve_config_dir(config_dir)

    def up(s: Service) -> None:
        (target,) = workspace_targets(Selection(service=s.name), root=root, config_dir=config_path)
        result = migrate(target, Command.UP)
        if result.steps:
            print(
                f"{s.name}: applied {len(result.steps)} migration(s), "
                f"version {result.before} -> {result.after}"
            )
        else:
            print(f"{s.name}: up to date (version {result.after})")

    targets.for_each(with_db, "migrate-up", up)


def run_clean(service: str | None, config_dir: str | None) -> None:
    root, _platform, chosen = _context(config_dir, service)

    def clean(s: Service) -> None:
        removed = targets.remove(targets.clean_paths(root, s))
        print(f"{s.name}: removed {removed} build output(s) and cache(s)")

    targets.for_each(chosen, "clean", clean)


def run_run(service: str | None, config_dir: str | None) -> None:
    from avion_workspace.services.localrun import run_services

    root, platform, chosen = _context(config_dir, service)
    env = _env(root, platform)
    run_services(root, platform, chosen, env)
