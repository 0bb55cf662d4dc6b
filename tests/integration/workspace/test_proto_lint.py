"""``inv proto.lint``: buf lint and buf breaking against a git ref, with the pinned buf."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from avion_workspace.errors import AvionError
from avion_workspace.proto_cli import ProtoCheckFailed, run_lint
from tests.support import require_tool

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

PROTO = """syntax = "proto3";

package avion.shop.v1;

// Items for sale.
service ShopService {
  // Reads an item.
  rpc GetItem(GetItemRequest) returns (Item);
}

// Which item.
message GetItemRequest {
  // The item's id.
  string item_id = 1;
}

// An item.
message Item {
  // The item's id.
  string item_id = 1;
  // What it is called.
  string name = 2;
}
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one service's proto committed, and the pinned buf on PATH."""
    buf = require_tool("buf")
    monkeypatch.setenv("PATH", f"{buf.parent}{os.pathsep}{os.environ['PATH']}")
    folder = tmp_path / "services" / "shop" / "proto" / "avion" / "shop" / "v1"
    folder.mkdir(parents=True)
    (folder / "shop.proto").write_text(PROTO)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "shop v1")
    return tmp_path


def proto_file(root: Path) -> Path:
    return root / "services/shop/proto/avion/shop/v1/shop.proto"


def test_the_workspace_protos_pass_lint() -> None:
    require_tool("buf")
    run_lint(against=None, root=ROOT)


def test_a_clean_proto_passes_lint_and_breaking(shop: Path) -> None:
    run_lint(against="main", root=shop)


def test_lint_findings_are_reported_with_their_location(shop: Path) -> None:
    path = proto_file(shop)
    path.write_text(
        path.read_text()
        .replace("message GetItemRequest", "message get_item_request")
        .replace("rpc GetItem(GetItemRequest)", "rpc GetItem(get_item_request)")
    )
    with pytest.raises(ProtoCheckFailed) as info:
        run_lint(against=None, root=shop)
    assert "services/shop/proto: buf lint" in info.value.message
    assert (
        'shop.proto:12:9:Message name "get_item_request" should be PascalCase' in info.value.message
    )


def test_a_removed_field_is_a_breaking_change(shop: Path) -> None:
    path = proto_file(shop)
    path.write_text(path.read_text().replace("  // What it is called.\n  string name = 2;\n", ""))
    run_lint(against=None, root=shop)  # still clean to lint
    with pytest.raises(ProtoCheckFailed) as info:
        run_lint(against="main", root=shop)
    assert "services/shop/proto: breaking changes since main" in info.value.message
    assert 'Previously present field "2" with name "name" on message "Item" was deleted' in (
        info.value.message
    )


def test_a_folder_new_since_the_ref_has_nothing_to_break(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    git(shop, "rm", "-q", "-r", "services")
    git(shop, "commit", "-q", "-m", "no protos")
    folder = shop / "services" / "shop" / "proto" / "avion" / "shop" / "v1"
    folder.mkdir(parents=True)
    (folder / "shop.proto").write_text(PROTO)
    run_lint(against="HEAD", root=shop)


def test_an_unknown_ref_is_a_user_error(shop: Path) -> None:
    with pytest.raises(AvionError, match="cannot read services/shop/proto at git ref 'nope'"):
        run_lint(against="nope", root=shop)
