"""The CDN's config checks: a bucket behind a CDN needs one in its environment; policies are sane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from avion_workspace.config import load_platforms
from avion_workspace.config.validate import load_config
from avion_workspace.errors import ConfigError

Edit = Callable[[str, str, str], Path]


def only(config_dir: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(config_dir)
    found = [p.render() for p in info.value.problems]
    assert len(found) == 1, found
    return found[0]


def test_only_production_serves_a_bucket_through_the_cdn() -> None:
    platforms = load_platforms(Path(__file__).resolve().parents[3] / "config")
    served = {env: [b.name for b in p.cdn_buckets] for env, p in platforms.items()}
    assert served == {"local": [], "staging": [], "production": ["avion-media-processed"]}
    cdn = platforms["production"].environment.cdn
    assert cdn is not None
    assert cdn.default_policy.name == "immutable-media"
    assert [(path, p.name) for path, p in cdn.path_policies] == [
        ("private/*", "no-store"),
        ("signed/*", "no-store"),
    ]


def test_cdn_bucket_in_an_environment_without_a_cdn_is_located(edit: Edit) -> None:
    cfg = edit(
        "environments/staging.yaml",
        "service_defaults:\n",
        "object_storage:\n  buckets:\n    avion-media-processed: {cdn: true}\nservice_defaults:\n",
    )
    overlay = cfg / "environments/staging.yaml"
    lines = overlay.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "{cdn: true}" in text)
    column = lines[line - 1].index("true") + 1
    message = only(cfg)
    assert message.startswith(
        f"{overlay}:{line}:{column}: $.object_storage.buckets.avion-media-processed.cdn:"
    )
    assert (
        "bucket 'avion-media-processed' is served through a CDN, but environment 'staging' has no CDN"
        in message
    )
    assert "declare $.environments.staging.cdn" in message


def test_cdn_bucket_in_the_base_is_rejected_for_each_environment_without_one(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        "versioning: false}\n    avion-backups",
        "versioning: false, cdn: true}\n    avion-backups",
    )
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    rendered = [p.render() for p in info.value.problems]
    assert len(rendered) == 2, rendered
    assert "environment 'local' has no CDN" in rendered[0] + rendered[1]
    assert "environment 'staging' has no CDN" in rendered[0] + rendered[1]
    assert all(str(cfg / "platform.yaml") in r for r in rendered)


def test_default_cache_policy_must_be_declared(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml", "default_cache_policy: immutable-media", "default_cache_policy: immutable"
    )
    message = only(cfg)
    assert (
        "$.environments.production.cdn.default_cache_policy: cache policy 'immutable' is not declared"
        in message
    )
    assert "did you mean 'immutable-media'?" in message


def test_a_policy_that_never_caches_cannot_compress(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        "          max_ttl: 0\n          compress: false",
        "          max_ttl: 0\n          compress: true",
    )
    message = only(cfg)
    assert (
        "$.environments.production.cdn.cache_policies.no-store.compress: a policy that never caches cannot compress"
        in message
    )


def test_ttls_must_be_ordered(edit: Edit) -> None:
    cfg = edit("platform.yaml", "          min_ttl: 86400\n", "          min_ttl: 99999999\n")
    # the schema bounds TTLs to a year first
    assert "$.environments.production.cdn.cache_policies.immutable-media.min_ttl" in only(cfg)
    cfg = edit("platform.yaml", "          min_ttl: 99999999\n", "          min_ttl: 31536000\n")
    cfg = edit(
        "platform.yaml",
        "          default_ttl: 31536000\n          max_ttl: 31536000\n",
        "          default_ttl: 86400\n          max_ttl: 31536000\n",
    )
    assert "min_ttl <= default_ttl <= max_ttl" in only(cfg)


def test_log_bucket_must_be_declared(edit: Edit) -> None:
    cfg = edit("platform.yaml", "logs: {bucket: avion-logs,", "logs: {bucket: avion-log,")
    assert "$.environments.production.cdn.logs.bucket: bucket 'avion-log' is not declared" in only(
        cfg
    )
