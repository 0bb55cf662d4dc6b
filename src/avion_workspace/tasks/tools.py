"""``inv tools.*``: the pinned external tools under .tools/."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task


# Invoke has no optional positional arguments: one tool is `--name helm`, repeatable.
@task(
    positional=[], iterable=["name"], help={"name": "a tool to install (repeatable; default: all)"}
)
def install(c: Context, name: list[str] | None = None) -> None:
    """Install pinned tools (goose, helm, postgres, ...) into .tools/; instant when present."""
    from avion_workspace.boundary import guarded
    from avion_workspace.tools_cli import run_install

    guarded(lambda: run_install(list(name or [])))


@task(name="list")
def list_(c: Context) -> None:
    """List the pinned tools and whether each is installed."""
    from avion_workspace.boundary import guarded
    from avion_workspace.tools_cli import run_list

    guarded(run_list)


ns = Collection("tools", install, list_)
