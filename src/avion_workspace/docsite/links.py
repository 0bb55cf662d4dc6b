"""Links from the docs to files of the repository outside ``docs/`` (``../config/README.md``).

On GitHub such links work; on the built site they would be broken. At build time they become
links to the file in the repository; a link to a file that does not exist is left alone, so
``mkdocs build --strict`` still fails on it. Code blocks are not touched.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|#|/)", re.IGNORECASE)


def _rewrite(target: str, page: str, root: Path, docs_dir: str, repo_url: str) -> str:
    if _EXTERNAL.match(target):
        return target
    path, hashmark, fragment = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(f"{docs_dir}/{page}"), path))
    if resolved == docs_dir or resolved.startswith(f"{docs_dir}/") or resolved.startswith(".."):
        return target
    on_disk = root / resolved
    if not on_disk.exists():
        return target
    kind = "tree" if on_disk.is_dir() else "blob"
    return f"{repo_url}/{kind}/main/{resolved}{hashmark}{fragment}"


def rewrite_repo_links(
    markdown: str, page: str, root: Path, repo_url: str, docs_dir: str = "docs"
) -> str:
    """``markdown`` of docs page ``page`` (relative to ``docs_dir``) with repo links made absolute."""
    out, last = [], 0
    for fence in _FENCE.finditer(markdown):
        out.append(_links(markdown[last : fence.start()], page, root, docs_dir, repo_url))
        out.append(fence.group(0))
        last = fence.end()
    out.append(_links(markdown[last:], page, root, docs_dir, repo_url))
    return "".join(out)


def _links(text: str, page: str, root: Path, docs_dir: str, repo_url: str) -> str:
    return _LINK.sub(
        lambda m: m.group(1) + _rewrite(m.group(2), page, root, docs_dir, repo_url) + m.group(3),
        text,
    )
