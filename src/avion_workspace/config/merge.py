"""Overlay merge: how ``config/environments/<env>.yaml`` combines with ``config/platform.yaml``.

The rules (documented in config/README.md):

1. A mapping in the overlay merges into the mapping at the same path, key by key, recursively.
2. Any other overlay value (string, number, boolean, list) replaces the base value whole; lists
   are never concatenated, so an overlay says exactly what the list is.
3. ``null`` in the overlay removes the key from the result.
4. Keys only in the base are kept; keys only in the overlay are added.

Locations follow the values: a merged value is located where it was written.
"""

from __future__ import annotations

from typing import Any

from avion_workspace.config.loader import Document, JsonPath
from avion_workspace.errors import Location


def merge_data(base: Any, overlay: Any) -> Any:
    """Merge plain data by the rules above. Neither input is modified."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        result = dict(base)
        for key, value in overlay.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = merge_data(result[key], value)
            else:
                result[key] = _strip_nulls(value)
        return result
    return _strip_nulls(overlay)


def _strip_nulls(value: Any) -> Any:
    # An added mapping follows rule 3 too: its null keys are absent from the result.
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value


def _under(path: JsonPath, prefix: JsonPath) -> bool:
    return path[: len(prefix)] == prefix


def _replaced_paths(base: Any, overlay: Any, path: JsonPath) -> list[JsonPath]:
    """Paths whose base subtree the overlay replaces or removes."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out: list[JsonPath] = []
        for key, value in overlay.items():
            if key in base:
                out.extend(_replaced_paths(base[key], value, (*path, key)))
        return out
    return [path]


def _merged_mappings(base: Any, overlay: Any, path: JsonPath) -> list[JsonPath]:
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return []
    out = [path]
    for key, value in overlay.items():
        if key in base:
            out.extend(_merged_mappings(base[key], value, (*path, key)))
    return out


def merge_documents(base: Document, overlay: Document) -> Document:
    """Merge two documents; the result's locations point into whichever file a value came from."""
    data = merge_data(base.data, overlay.data)
    dropped = _replaced_paths(base.data, overlay.data, ())

    def kept(path: JsonPath) -> bool:
        return not any(_under(path, d) for d in dropped if d)

    values: dict[JsonPath, Location] = {p: loc for p, loc in base.values.items() if kept(p)}
    keys: dict[JsonPath, Location] = {p: loc for p, loc in base.keys.items() if kept(p)}
    values.update({p: loc for p, loc in overlay.values.items() if p})
    keys.update(overlay.keys)
    # A mapping both files write is located where the base defines it.
    for path in _merged_mappings(base.data, overlay.data, ()):
        if path in base.values:
            values[path] = base.values[path]
        if path in base.keys:
            keys[path] = base.keys[path]
    removed = dict(base.removed)
    for path in _removed_paths(base.data, overlay.data, ()):
        removed[path] = overlay.keys.get(path) or overlay.locate(path)
    return Document(f"{base.source} + {overlay.source}", data, values, keys, removed)


def _removed_paths(base: Any, overlay: Any, path: JsonPath) -> list[JsonPath]:
    """Paths of base keys the overlay removes with ``null``."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return []
    out: list[JsonPath] = []
    for key, value in overlay.items():
        if key not in base:
            continue
        if value is None:
            out.append((*path, key))
        else:
            out.extend(_removed_paths(base[key], value, (*path, key)))
    return out
