"""MkDocs hooks (mkdocs.yml ``hooks:``): API pages for every library, the docstring rule, and
links to repository files. The behaviour lives in ``avion_workspace.docsite``; this only wires it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from avion_workspace.docsite.links import rewrite_repo_links
from avion_workspace.docsite.reference import (
    REFERENCE_DIR,
    find_libraries,
    missing_docstrings,
    reference_index,
    reference_page,
)

ROOT = Path(__file__).resolve().parent


def on_pre_build(config: Any) -> None:
    problems = missing_docstrings(ROOT)
    if problems:
        listed = "\n".join(p.render() for p in problems)
        raise PluginError(f"public library names without a docstring:\n{listed}")


def on_files(files: Files, config: Any) -> Files:
    libraries = find_libraries(ROOT)
    files.append(
        File.generated(config, f"{REFERENCE_DIR}/index.md", content=reference_index(libraries))
    )
    for library in libraries:
        page = reference_page(library, config.repo_url)
        files.append(File.generated(config, library.page, content=page))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    return rewrite_repo_links(markdown, page.file.src_uri, ROOT, config.repo_url.rstrip("/"))
