"""Link loops and absurdly deep files where the configuration should be: located errors, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.config.loader import display_path
from avion_workspace.errors import AvionError
from avion_workspace.workspace import resolve_config_dir

ROOT = Path(__file__).resolve().parents[3]


def test_a_looping_platform_file_is_a_located_error(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    (config / "platform.yaml").unlink()
    (config / "platform.yaml").symlink_to("platform.yaml")
    assert display_path(config / "platform.yaml") == str(config / "platform.yaml")
    with pytest.raises(AvionError) as caught:
        load_platform(config)
    assert caught.value.exit_code == 1
    assert "platform.yaml" in caught.value.render()


def test_a_looping_config_dir_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("loop").symlink_to("loop")
    with pytest.raises(AvionError) as caught:
        resolve_config_dir("loop")
    assert caught.value.exit_code == 1
    assert "loop:" in caught.value.render()
    assert caught.value.hint


@pytest.mark.parametrize("depth", [100, 100_000])
def test_a_schema_nested_absurdly_deep_is_a_located_error(config_copy: Path, depth: int) -> None:
    from avion_workspace.config import load_config

    schema = config_copy / "schema" / "platform.schema.json"
    schema.write_text('{"x": ' + '{"a": ' * depth + "{}" + "}" * (depth + 1))
    with pytest.raises(AvionError) as caught:
        load_config(config_copy)
    text = caught.value.render()
    assert caught.value.exit_code == 1
    assert "platform.schema.json:1:" in text
    assert "restore it" in text
