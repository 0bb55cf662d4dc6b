"""The pure plan: headers, templates, and the artifacts of the workspace's own config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.errors import AvionError
from avion_workspace.render.plan import (
    GENERATED_MARK,
    GeneratedFile,
    RenderContext,
    build_plan,
    comment_style,
    render_template,
    stamp,
)
from avion_workspace.tools import TOOLS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def context(fixture_config: Path) -> RenderContext:
    """The small fixture config (tests/fixtures/config): three services, one per shape."""
    return RenderContext(load_platforms(fixture_config))


@pytest.mark.parametrize(
    ("path", "first_line"),
    [
        ("a.yml", "# GENERATED"),
        ("x/Dockerfile", "# GENERATED"),
        ("m.sql", "-- GENERATED"),
        ("README.md", "<!-- GENERATED"),
        ("_helpers.tpl", "{{/* GENERATED"),
    ],
)
def test_header_in_the_file_comment_syntax(path: str, first_line: str) -> None:
    text = stamp(path, "body\n", "config/platform.yaml").decode()
    assert text.startswith(first_line)
    assert "from config/platform.yaml" in text.splitlines()[0]
    assert text.endswith("body\n")


def test_no_header_where_the_format_has_no_comments() -> None:
    assert stamp("values.schema.json", "{}\n", "src") == b"{}\n"


def test_shebang_stays_first() -> None:
    text = stamp("run.sh", "#!/bin/sh\necho hi\n", "src").decode()
    assert text.splitlines()[0] == "#!/bin/sh"
    assert GENERATED_MARK in text.splitlines()[1]


def test_templates_are_strict() -> None:
    with pytest.raises(AvionError, match="is undefined"):
        render_template("services/migrations-readme.md.j2")


def test_unsafe_and_duplicate_paths_are_bugs(context: RenderContext) -> None:
    def escaping(_: RenderContext) -> list[GeneratedFile]:
        return [GeneratedFile("../evil.yml", b"", "t")]

    def twice(_: RenderContext) -> list[GeneratedFile]:
        return [GeneratedFile("a.yml", b"", "t"), GeneratedFile("a.yml", b"", "t")]

    with pytest.raises(AvionError, match="unsafe path"):
        build_plan(context, [escaping])
    with pytest.raises(AvionError, match=r"two renderers planned 'a\.yml'"):
        build_plan(context, [twice])


def test_every_generated_file_is_stamped_or_manifest_only(context: RenderContext) -> None:
    plan = build_plan(context)
    manifest_only = []
    for path, generated in plan.files.items():
        if comment_style(path) is None:
            manifest_only.append(path)
        else:
            assert GENERATED_MARK.encode() in generated.content[:400], path
    # only formats without comments (JSON, py.typed markers) rely on the manifest alone
    assert {Path(p).name if p.endswith("py.typed") else Path(p).suffix for p in manifest_only} <= {
        ".json",
        "py.typed",
    }


def test_plan_is_deterministic(context: RenderContext, fixture_config: Path) -> None:
    assert build_plan(context) == build_plan(RenderContext(load_platforms(fixture_config)))


def test_compose_has_the_local_stack_from_config(context: RenderContext) -> None:
    compose = yaml.safe_load(build_plan(context).files["docker-compose.yml"].content)
    assert set(compose["services"]) == {"postgres", "redis", "s3", "meilisearch"}
    assert compose["services"]["postgres"]["image"] == "postgres:17-alpine"
    # the S3 server is the one the native stack builds, at the same version
    assert (
        compose["services"]["s3"]["image"]
        == f"ghcr.io/versity/versitygw:{TOOLS['versitygw'].version}"
    )
    for name in ("postgres", "redis", "s3", "meilisearch"):
        assert "healthcheck" in compose["services"][name], name
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "s3-data", "meilisearch-data"}
    redis_args = " ".join(compose["services"]["redis"]["command"])
    assert "avion_alpha on >${AVION_ALPHA_REDIS_PASSWORD:?" in redis_args
    assert "~cache:* ~session:*" in redis_args
    # no secret values, only references to the git-ignored .env
    assert "change-me" not in build_plan(context).files["docker-compose.yml"].content.decode()


def test_postgres_init_creates_a_role_per_database(context: RenderContext) -> None:
    script = build_plan(context).files["infrastructure/local/postgres-init.sh"]
    assert script.executable
    text = script.content.decode()
    for db in context.local.postgres.databases.values():
        assert f'create_database {db.owner} {db.name} "${db.name.upper()}_PASSWORD"' in text


def test_env_example_names_every_credential_without_values(context: RenderContext) -> None:
    from avion_workspace.localenv import credential_names

    text = build_plan(context).files[".env.example"].content.decode()
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    assert [k for k, _ in pairs] == credential_names(context.local)
    assert {v for _, v in pairs} == {"change-me"}
