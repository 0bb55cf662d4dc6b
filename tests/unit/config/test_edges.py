"""Hostile and careless config input: every case is a located ConfigError (exit 1), never a crash
or a hang."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from avion_workspace.config.loader import MAX_DEPTH, MAX_FILE_BYTES, load_file, load_text
from avion_workspace.config.validate import RESERVED_SERVICE_NAMES, load_config
from avion_workspace.errors import ConfigError

Edit = Callable[[str, str, str], Path]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 500 + "]" * 500 + "\n", "x.yaml:1:"),
        ("a: " + "{b: " * 400 + "1" + "}" * 400 + "\n", "x.yaml:1:"),
        ("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n", "x.yaml:"),
        ("a: " + "[" * 100_000 + "\n", "x.yaml:1:"),
    ],
)
def test_deep_nesting_is_refused_located(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml")
    rendered = info.value.render()
    assert where in rendered
    assert f"nested more than {MAX_DEPTH} levels deep" in rendered or "syntax" in rendered


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\ufffe"])
def test_control_characters_are_located(char: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_text(f"a: 1\nb: x{char}y\n", "x.yaml")
    assert "x.yaml:2:5:" in info.value.render()
    assert "hint:" in info.value.render()


@pytest.fixture
def base(config_copy: Path) -> Path:
    return config_copy / "platform.yaml"


def _special(path: Path, kind: str) -> socket.socket | None:
    path.unlink(missing_ok=True)
    if kind == "dir":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "devzero":
        path.symlink_to("/dev/zero")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        return server
    return None


@pytest.mark.parametrize("kind", ["dir", "fifo", "devzero", "socket"])
@pytest.mark.parametrize("which", ["platform.yaml", "environments/staging.yaml"])
def test_a_config_file_that_is_not_a_regular_file_is_refused_at_once(
    config_copy: Path, kind: str, which: str
) -> None:
    server = _special(config_copy / which, kind)
    try:
        with pytest.raises(ConfigError) as info:
            load_config(config_copy)
    finally:
        if server is not None:
            server.close()
    text = info.value.render()
    assert which in text
    assert "regular file" in text or "No such device" in text


def test_size_is_counted_in_bytes_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES + b"\n")
    with pytest.raises(ConfigError) as info:
        load_file(big)
    assert "larger than" in info.value.render()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "big.json:1:2:"),
        ('{"type": 3}', "not a valid JSON Schema"),
        ("\xff", "not valid UTF-8"),
    ],
)
def test_a_malformed_schema_is_a_located_error(
    config_copy: Path, content: str, expected: str
) -> None:
    schema = config_copy / "schema" / "platform.schema.json"
    schema.write_bytes(content.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(config_copy)
    text = info.value.render().replace("platform.schema.json", "big.json")
    assert expected in text
    assert "restore it" in text


@pytest.mark.parametrize("folder", ["schema", "environments"])
def test_a_file_where_a_config_folder_should_be_is_a_located_error(
    config_copy: Path, folder: str
) -> None:
    import shutil

    shutil.rmtree(config_copy / folder)
    (config_copy / folder).write_text("not a folder\n")
    with pytest.raises(ConfigError) as info:
        load_config(config_copy)
    text = info.value.render()
    assert f"{folder}: a file stands where a folder should be" in text
    assert "hint:" in text


def test_a_null_in_an_overlay_is_blamed_on_the_overlay(edit: Edit) -> None:
    config = edit(
        "environments/staging.yaml",
        "service_defaults:\n  replicas: 2\n",
        "service_defaults:\n  replicas: null\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    text = info.value.render()
    assert "environments/staging.yaml:3:3: $.service_defaults.replicas:" in text
    assert "null removes the required key 'replicas'" in text
    assert "platform.yaml" not in text.split("error:")[0].replace("staging.yaml", "")


@pytest.mark.parametrize("name", sorted(RESERVED_SERVICE_NAMES))
def test_a_service_named_like_a_generated_path_is_refused(edit: Edit, name: str) -> None:
    config = edit("platform.yaml", "\n  moderation:\n", f"\n  {name}:\n")
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert f"service name {name!r} is taken" in info.value.render()
    assert "platform.yaml:" in info.value.render()


def test_reserved_names_cover_every_directory_the_plan_puts_beside_the_services(
    fixture_config: Path,
) -> None:
    from avion_workspace.render import plan_for

    plan = plan_for(fixture_config)
    config = load_config(fixture_config)
    services = set(config.base.data["services"])
    beside: set[str] = set()
    for path in plan.files:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] in ("charts", "services"):
            beside.add(parts[1])
    assert beside - services <= set(RESERVED_SERVICE_NAMES)


@pytest.mark.parametrize(
    ("defs", "expected"),
    [
        ({"label": {"$ref": "#/$defs/nowhere"}}, "'/$defs/nowhere' points to nothing"),
        ({"label": {"$ref": "#/$defs/label"}}, "go round or nest too deep"),
        (
            {"label": {"$ref": "#/$defs/text"}, "text": {"$ref": "#/$defs/label"}},
            "go round or nest too deep",
        ),
        (  # not a ring: a chain longer than anything can follow
            {
                **{f"c{i}": {"$ref": f"#/$defs/c{i + 1}"} for i in range(3000)},
                "c3000": {"type": "string"},
                "label": {"$ref": "#/$defs/c0"},
            },
            "go round or nest too deep",
        ),
    ],
)
def test_a_schema_reference_to_nothing_or_to_itself_is_a_schema_error(
    config_copy: Path, defs: dict[str, object], expected: str
) -> None:
    schema_file = config_copy / "schema" / "platform.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["$defs"].update(defs)
    schema_file.write_text(json.dumps(schema))
    with pytest.raises(ConfigError) as info:
        load_config(config_copy)
    text = info.value.render()
    assert "not a valid JSON Schema" in text
    assert expected in text
    assert "restore it" in text
