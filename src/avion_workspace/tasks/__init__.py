"""Invoke collections, one module per namespace; :func:`build_namespace` assembles the root.

Every module here imports only invoke and the standard library at module level.
"""

from __future__ import annotations

import importlib

from invoke.collection import Collection

# (module, attribute) of each sub-collection, in --list order.
_NAMESPACES = (
    "config",
    "charts",
    "ci",
    "security",
    "infra",
    "migrate",
    "service",
    "proto",
    "tools",
)
# Top-level tasks (inv setup, inv doctor, ...) live in :mod:`.root`.


def build_namespace() -> Collection:
    from avion_workspace.tasks import root

    ns = Collection()
    for task in root.TASKS:
        ns.add_task(task)
    for name in _NAMESPACES:
        module = importlib.import_module(f"avion_workspace.tasks.{name}")
        ns.add_collection(module.ns)
    return ns
