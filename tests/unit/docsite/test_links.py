"""Links from docs to repository files become repository links on the site; others stay."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.docsite.links import rewrite_repo_links
from tests.support import ROOT

REPO = "https://example.invalid/avion"


def test_a_link_to_a_repository_file_points_at_the_repository() -> None:
    text = "See [the rules](../config/README.md#overlay-merge-rules) and [libs](../libs)."
    assert rewrite_repo_links(text, "architecture.md", ROOT, REPO) == (
        f"See [the rules]({REPO}/blob/main/config/README.md#overlay-merge-rules)"
        f" and [libs]({REPO}/tree/main/libs)."
    )


def test_pages_of_the_site_and_external_links_are_left_alone() -> None:
    text = "[a](ci-cd.md) [b](https://x.invalid/y) [c](#here) [d](diagrams/index.md)"
    assert rewrite_repo_links(text, "index.md", ROOT, REPO) == text


def test_a_link_to_a_missing_file_stays_broken_so_strict_mode_fails() -> None:
    text = "[gone](../config/NOPE.md)"
    assert rewrite_repo_links(text, "index.md", ROOT, REPO) == text


def test_nested_pages_resolve_relative_to_themselves(tmp_path: Path) -> None:
    (tmp_path / "docs" / "runbooks").mkdir(parents=True)
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "x.yaml").write_text("a: 1\n")
    assert rewrite_repo_links("[x](../../charts/x.yaml)", "runbooks/r.md", tmp_path, REPO) == (
        f"[x]({REPO}/blob/main/charts/x.yaml)"
    )


def test_code_blocks_are_not_touched() -> None:
    text = "```md\n[keep](../config/README.md)\n```\n[go](../config/README.md)\n"
    assert rewrite_repo_links(text, "index.md", ROOT, REPO) == (
        f"```md\n[keep](../config/README.md)\n```\n[go]({REPO}/blob/main/config/README.md)\n"
    )
