"""The documentation site builds strictly from a checkout: an API page per library, a diagram per
environment; a broken link or an undocumented public name fails the build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.docsite.reference import find_libraries
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.integration


def _checkout_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [n for n in listed.split("\0") if n and (ROOT / n).is_file()]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the tracked (and new, not ignored) files: what a fresh clone has."""
    copy = tmp_path / "ws"
    for name in _checkout_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return copy


def mkdocs_build(workspace: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        unavailable("mkdocs is not installed: pip install -e '.[docs]'")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def test_the_site_builds_with_every_library_and_diagram(checkout: Path) -> None:
    result = mkdocs_build(checkout)
    assert result.returncode == 0, result.stderr
    site = checkout / "site"
    libraries = find_libraries(checkout)
    assert len(libraries) >= 7
    for library in libraries:
        page = (site / "reference" / library.name / "index.html").read_text()
        assert f"{library.package}" in page
    for env in load_platforms(checkout / "config"):
        assert (site / "diagrams" / f"{env}.svg").is_file()
    assert "production.svg" in (site / "diagrams" / "index.html").read_text()
    for page in ("getting-started", "kubectl", "production-edge"):
        assert (site / page / "index.html").is_file()
    # a decision record anyone adds is on the site without being listed anywhere
    assert (site / "decisions" / "0020-docs-site" / "index.html").is_file()


def test_a_new_page_appears_in_the_menu_after_getting_started(checkout: Path) -> None:
    (checkout / "docs" / "aaa-new.md").write_text("# Brand new\n\nNothing links here yet.\n")
    (checkout / "docs" / "playbooks").mkdir()
    (checkout / "docs" / "playbooks" / "restore.md").write_text("# Restore a backup\n")
    result = mkdocs_build(checkout)
    assert result.returncode == 0, result.stderr
    menu = (checkout / "site" / "index.html").read_text()
    order = [menu.find(title) for title in ("Getting started", "Brand new", "Restore a backup")]
    assert -1 not in order
    assert order == sorted(order)


def test_a_broken_link_fails_the_build(checkout: Path) -> None:
    (checkout / "docs" / "new-page.md").write_text(
        "# New\n\nSee [the runbook](runbooks/gone.md).\n"
    )
    result = mkdocs_build(checkout)
    assert result.returncode == 1
    assert "'new-page.md' contains a link 'runbooks/gone.md'" in result.stderr


def test_an_undocumented_public_name_fails_the_build(checkout: Path) -> None:
    context = checkout / "libs/logging/src/avion_logging/context.py"
    text = context.read_text()
    documented = '"""The log event key holding the current request ID."""\n'
    assert documented in text
    context.write_text(text.replace(documented, ""))
    line = next(
        i
        for i, t in enumerate(context.read_text().splitlines(), 1)
        if t.startswith("REQUEST_ID_KEY")
    )
    result = mkdocs_build(checkout)
    assert result.returncode == 1
    assert (
        f"libs/logging/src/avion_logging/context.py:{line}: public name "
        "avion_logging.REQUEST_ID_KEY has no docstring"
    ) in result.stderr
