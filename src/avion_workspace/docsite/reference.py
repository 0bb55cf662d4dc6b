"""Library API reference: which libraries exist, their pages, and the rule that every public name
has a docstring.

Libraries are found by globbing ``libs/*/src/*/__init__.py``: a new library gets its page and
its check without anyone listing it. A public name is one in the package's ``__all__`` (or, with
no ``__all__``, any top-level name without a leading underscore); it is followed through
``from .module import name`` to where it is defined. Functions and classes need a docstring;
constants and type aliases an attribute docstring (a string right after the assignment), which
is what mkdocstrings shows.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import Location, Problem

REFERENCE_DIR = "reference"


@dataclass(frozen=True)
class Library:
    """One library under ``libs/``: its folder name and its import package."""

    name: str
    package: str
    package_dir: Path

    @property
    def page(self) -> str:
        return f"{REFERENCE_DIR}/{self.name}.md"


def find_libraries(root: Path) -> list[Library]:
    """Every library of the workspace, by its ``libs/<name>/src/<package>/__init__.py``."""
    return [
        Library(init.parents[2].name, init.parent.name, init.parent)
        for init in sorted(root.glob("libs/*/src/*/__init__.py"))
    ]


def reference_page(library: Library, repo_url: str | None = None) -> str:
    """The Markdown of a library's API page; mkdocstrings expands the ``:::`` block."""
    readme = f"libs/{library.name}/README.md"
    lines = [f"# {library.package}", ""]
    if repo_url:
        lines += [f"Overview and examples: [`{readme}`]({repo_url}/blob/main/{readme}).", ""]
    lines += [f"::: {library.package}", ""]
    return "\n".join(lines)


def reference_index(libraries: list[Library]) -> str:
    lines = [
        "# Library API reference",
        "",
        "Generated from the docstrings of every library under `libs/` at build time; a public",
        "name without a docstring fails the build.",
        "",
        "| library | package |",
        "| --- | --- |",
    ]
    lines += [f"| [{lib.name}]({lib.name}.md) | `{lib.package}` |" for lib in libraries]
    return "\n".join(lines) + "\n"


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _exports(module: ast.Module) -> list[str] | None:
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return [
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    return None


def _top_level_names(module: ast.Module) -> list[str]:
    names: list[str] = []
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names += [a.asname or a.name for a in node.names]
    return [n for n in names if not n.startswith("_")]


def _module_file(library: Library, importer: Path, node: ast.ImportFrom) -> Path | None:
    """The file a ``from X import`` in ``importer`` reads, when X is inside the library."""
    if node.level:
        base = importer.parent
        for _ in range(node.level - 1):
            base = base.parent
    elif node.module and node.module.split(".")[0] == library.package:
        base = library.package_dir
    else:
        return None
    parts = (node.module or "").split(".") if node.module else []
    if not node.level:
        parts = parts[1:]
    target = base.joinpath(*parts)
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _statements(body: list[ast.stmt]) -> Iterator[tuple[list[ast.stmt], int]]:
    """Top-level statements with their block, including those under ``if TYPE_CHECKING:`` or
    ``try:`` (where lazily exported names are imported for type checkers)."""
    for index, node in enumerate(body):
        yield body, index
        if isinstance(node, ast.If):
            yield from _statements(node.body)
            yield from _statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _statements(block)
            for handler in node.handlers:
                yield from _statements(handler.body)


def _has_docstring(body: list[ast.stmt], index: int) -> bool:
    following = body[index + 1] if index + 1 < len(body) else None
    return (
        isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    )


def _documented(
    library: Library, path: Path, name: str, depth: int = 0
) -> tuple[bool, Path, int | None]:
    """(has a docstring, where it is defined, line) for ``name`` as seen from module ``path``."""
    module = _parse(path)
    for block, index in _statements(module.body):
        node = block[index]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return ast.get_docstring(node) is not None, path, node.lineno
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return _has_docstring(block, index), path, node.lineno
        elif isinstance(node, ast.ImportFrom) and depth < 8:
            for alias in node.names:
                if (alias.asname or alias.name) != name:
                    continue
                source = _module_file(library, path, node)
                if source is None:
                    return True, path, node.lineno  # re-exported from elsewhere: theirs to document
                submodule = source.parent / alias.name
                for candidate in (submodule.with_suffix(".py"), submodule / "__init__.py"):
                    if candidate.is_file() and source.name == "__init__.py":
                        return ast.get_docstring(_parse(candidate)) is not None, candidate, 1
                return _documented(library, source, alias.name, depth + 1)
    submodule = path.parent / f"{name}.py"
    if submodule.is_file():
        return ast.get_docstring(_parse(submodule)) is not None, submodule, 1
    return False, path, None


def missing_docstrings(root: Path) -> list[Problem]:
    """Every public name of every library that has no docstring, located where it is defined."""
    problems: list[Problem] = []
    for library in find_libraries(root):
        init = library.package_dir / "__init__.py"
        module = _parse(init)
        if ast.get_docstring(module) is None:
            problems.append(
                Problem(
                    f"package {library.package} has no module docstring", _located(root, init, 1)
                )
            )
        exports = _exports(module)
        for name in exports if exports is not None else _top_level_names(module):
            ok, where, line = _documented(library, init, name)
            if not ok and line is None:
                problems.append(
                    Problem(
                        f"public name {library.package}.{name} is not defined",
                        _located(root, where, line),
                        hint="define it or remove it from __all__",
                    )
                )
            elif not ok:
                problems.append(
                    Problem(
                        f"public name {library.package}.{name} has no docstring",
                        _located(root, where, line),
                        hint="add a docstring (for a constant: a string on the line after it)",
                    )
                )
    return problems


def _located(root: Path, path: Path, line: int | None) -> Location:
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    return Location(shown, line)
