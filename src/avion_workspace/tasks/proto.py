"""``inv proto.*``: gRPC stubs from each service's .proto files (see :mod:`avion_workspace.proto`)."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


@task(help={"check": "only compare: exit 1 if a generated file is missing or differs"})
def gen(c: Context, check: bool = False) -> None:
    """Generate gRPC stubs from services/*/proto into services/*/src/avion/<name>/v<N>/."""
    from avion_workspace.boundary import guarded
    from avion_workspace.proto_cli import run_gen

    guarded(lambda: run_gen(check=check))


@task(help={"against": "git ref whose protos are the baseline (default: origin/main)"})
def lint(c: Context, against: str = "") -> None:
    """buf lint, and buf breaking against a git ref, over every service's proto folder."""
    from avion_workspace.boundary import guarded
    from avion_workspace.proto_cli import run_lint

    guarded(lambda: run_lint(against=against or None))


ns = Collection("proto", gen, lint)
