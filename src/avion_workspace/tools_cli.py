"""What ``inv tools.*`` does, callable without invoke."""

from __future__ import annotations

from avion_workspace.errors import AvionError
from avion_workspace.tools import TOOLS, Progress, find_tool, install_tool
from avion_workspace.workspace import find_root


def run_install(names: list[str]) -> None:
    root = find_root()
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        raise AvionError(
            f"unknown tool(s): {', '.join(unknown)}", hint=f"known: {', '.join(TOOLS)}"
        )
    wanted = names or list(TOOLS)
    for number, name in enumerate(wanted, 1):
        path, fresh = install_tool(root, name, progress=_numbered(number, len(wanted)))
        print(f"{'installed' if fresh else 'present  '} {name} {TOOLS[name].version} -> {path}")


def _numbered(number: int, total: int) -> Progress:
    def say(message: str) -> None:
        print(f"[{number}/{total}] {message}", flush=True)

    return say


def run_list() -> None:
    root = find_root()
    for name, tool in TOOLS.items():
        path = find_tool(root, name)
        print(f"{name:12} {tool.version:10} {path or 'missing'}  ({tool.purpose})")
