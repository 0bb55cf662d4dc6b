"""``inv tools.*``: the pinned external tools under .tools/."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from avion_workspace.tasks.optional import OptionalPositionalTask


@task(
    klass=OptionalPositionalTask,
    positional=["names"],
    iterable=["name"],
    help={
        "names": "tools to install: `inv tools.install helm`; several: `helm,goose` (default: all)",
        "name": "a tool to install (repeatable): `--name helm --name goose`",
    },
)
def install(c: Context, names: str | None = None, name: list[str] | None = None) -> None:
    """Install pinned tools (goose, helm, postgres, ...) into .tools/; instant when present."""
    from avion_workspace.boundary import guarded
    from avion_workspace.tasks.optional import split_names
    from avion_workspace.tools_cli import run_install

    guarded(lambda: run_install([*split_names(names), *(name or [])]))


@task(name="list")
def list_(c: Context) -> None:
    """List the pinned tools and whether each is installed."""
    from avion_workspace.boundary import guarded
    from avion_workspace.tools_cli import run_list

    guarded(run_list)


ns = Collection("tools", install, list_)
