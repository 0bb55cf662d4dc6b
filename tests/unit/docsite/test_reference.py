"""The API reference: every library is found by glob, and undocumented public names are caught."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.docsite.reference import (
    find_libraries,
    missing_docstrings,
    reference_index,
    reference_page,
)
from tests.support import ROOT


def make_library(root: Path, name: str, files: dict[str, str]) -> Path:
    package = root / "libs" / name / "src" / f"avion_{name}"
    package.mkdir(parents=True)
    for file, text in files.items():
        (package / file).write_text(text)
    return package


def test_every_library_of_the_workspace_is_found() -> None:
    found = {lib.name: lib.package for lib in find_libraries(ROOT)}
    on_disk = {p.name for p in (ROOT / "libs").iterdir() if (p / "src").is_dir()}
    assert set(found) == on_disk
    assert found["errors"] == "avion_errors"


def test_every_public_name_of_the_workspace_libraries_is_documented() -> None:
    assert [p.render() for p in missing_docstrings(ROOT)] == []


def test_a_new_library_gets_a_page_without_being_listed(tmp_path: Path) -> None:
    make_library(tmp_path, "billing", {"__init__.py": '"""Billing."""\n'})
    (library,) = find_libraries(tmp_path)
    assert library.page == "reference/billing.md"
    page = reference_page(library, "https://example.invalid/repo")
    assert "::: avion_billing" in page
    assert "(https://example.invalid/repo/blob/main/libs/billing/README.md)" in page
    assert "| [billing](billing.md) | `avion_billing` |" in reference_index([library])


def test_undocumented_names_are_located_where_they_are_defined(tmp_path: Path) -> None:
    make_library(
        tmp_path,
        "money",
        {
            "__init__.py": (
                '"""Money."""\n'
                "from avion_money.amount import Amount, ZERO, add, ONE\n"
                "from . import rounding\n"
                "from decimal import Decimal\n"
                '__all__ = ["ONE", "ZERO", "Amount", "Decimal", "add", "rounding", "ghost"]\n'
            ),
            "amount.py": (
                '"""Amounts."""\n'
                "class Amount:\n"
                "    pass\n"
                "ZERO = Amount()\n"
                "ONE = Amount()\n"
                '"""One unit."""\n'
                "def add(a, b):\n"
                '    """Add."""\n'
            ),
            "rounding.py": "HALF_UP = 1\n",
        },
    )
    problems = [p.render() for p in missing_docstrings(tmp_path)]
    assert problems == [
        "libs/money/src/avion_money/amount.py:4: public name avion_money.ZERO has no docstring"
        "\n    hint: add a docstring (for a constant: a string on the line after it)",
        "libs/money/src/avion_money/amount.py:2: public name avion_money.Amount has no docstring"
        "\n    hint: add a docstring (for a constant: a string on the line after it)",
        "libs/money/src/avion_money/rounding.py:1: public name avion_money.rounding has no docstring"
        "\n    hint: add a docstring (for a constant: a string on the line after it)",
        "libs/money/src/avion_money/__init__.py: public name avion_money.ghost is not defined"
        "\n    hint: define it or remove it from __all__",
    ]


def test_without_all_every_name_without_underscore_is_public(tmp_path: Path) -> None:
    make_library(
        tmp_path,
        "tiny",
        {"__init__.py": "def visible():\n    pass\ndef _hidden():\n    pass\n"},
    )
    assert [p.message for p in missing_docstrings(tmp_path)] == [
        "package avion_tiny has no module docstring",
        "public name avion_tiny.visible has no docstring",
    ]


def test_lazily_exported_names_are_followed_through_type_checking_imports(tmp_path: Path) -> None:
    make_library(
        tmp_path,
        "lazy",
        {
            "__init__.py": (
                '"""Lazy."""\n'
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from avion_lazy.parts import Part, make\n"
                '__all__ = ["Part", "make"]\n'
                "def __getattr__(name):\n"
                '    """Load on first use."""\n'
            ),
            "parts.py": '"""Parts."""\nclass Part:\n    """A part."""\ndef make():\n    pass\n',
        },
    )
    assert [p.message for p in missing_docstrings(tmp_path)] == [
        "public name avion_lazy.make has no docstring"
    ]


def test_relative_imports_from_subpackages_are_followed(tmp_path: Path) -> None:
    package = make_library(
        tmp_path,
        "deep",
        {
            "__init__.py": '"""Deep."""\nfrom .outer.inner import Thing\n__all__ = ["Thing"]\n',
            "base.py": '"""Base."""\nclass Thing:\n    pass\n',
        },
    )
    (package / "outer" / "inner").mkdir(parents=True)
    (package / "outer" / "__init__.py").write_text('"""Outer."""\n')
    (package / "outer" / "inner" / "__init__.py").write_text(
        '"""Inner."""\nfrom ...base import Thing\n'
    )
    assert [p.render() for p in missing_docstrings(tmp_path)] == [
        "libs/deep/src/avion_deep/base.py:2: public name avion_deep.Thing has no docstring"
        "\n    hint: add a docstring (for a constant: a string on the line after it)"
    ]
