"""A migration "file" that is not a regular file is refused at once, located; never a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from avion_migrate.errors import MigrationParseError
from avion_migrate.source import collect_sources, load_source


@pytest.mark.parametrize("kind", ["fifo", "devzero"])
def test_a_migration_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "00001_x.sql"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    sources = collect_sources(tmp_path)
    with pytest.raises(MigrationParseError) as info:
        load_source(sources[0], {})
    assert f"{path}" in info.value.render()
