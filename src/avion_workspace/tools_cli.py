"""What ``inv tools.*`` does, callable without invoke."""

from __future__ import annotations

from avion_workspace.errors import AvionError
from avion_workspace.tools import TOOLS, find_tool, install_tool
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
        step = f"[{number}/{len(wanted)}] "
        path, fresh = install_tool(root, name, progress=lambda m, s=step: print(s + m, flush=True))
        print(f"{'installed' if fresh else 'present  '} {name} {TOOLS[name].version} -> {path}")


def run_list() -> None:
    root = find_root()
    for name, tool in TOOLS.items():
        path = find_tool(root, name)
        print(f"{name:12} {tool.version:10} {path or 'missing'}  ({tool.purpose})")
