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


def test_two_served_buckets_with_one_logical_id_are_located(edit: Edit) -> None:
    edit(
        "platform.yaml",
        "    avion-media-processed: {purpose",
        "    avion.media.processed: {purpose: Twin, versioning: false}\n"
        "    avion-media-processed: {purpose",
    )
    cfg = edit(
        "environments/production.yaml",
        "    avion-media-processed: {cdn: true}\n",
        "    avion-media-processed: {cdn: true}\n    avion.media.processed: {cdn: true}\n",
    )
    lines = (cfg / "platform.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "avion-media-processed: {purpose" in text)
    message = only(cfg)
    assert message.startswith(
        f"{cfg / 'platform.yaml'}:{line}:5: $.object_storage.buckets.avion-media-processed:"
    ), message
    assert "bucket 'avion-media-processed' and bucket 'avion.media.processed' both become" in (
        message
    )
    assert "'AvionMediaProcessed'" in message
    assert "hint: logical IDs keep only letters and digits" in message


def test_two_cache_policies_with_one_logical_id_are_located(edit: Edit) -> None:
    cfg = edit(
        "platform.yaml",
        "        no-store:\n",
        "        no--store:\n"
        "          description: A twin\n"
        "          min_ttl: 0\n"
        "          default_ttl: 0\n"
        "          max_ttl: 0\n"
        "          compress: false\n"
        "        no-store:\n",
    )
    lines = (cfg / "platform.yaml").read_text().splitlines()
    line = lines.index("        no-store:") + 1
    message = only(cfg)
    assert message.startswith(
        f"{cfg / 'platform.yaml'}:{line}:9: $.environments.production.cdn.cache_policies.no-store:"
    ), message
    assert "cache policy 'no-store' and cache policy 'no--store' both become" in message


def test_the_template_refuses_two_resources_under_one_logical_id() -> None:
    import copy

    from avion_workspace.config.model import build_platform
    from avion_workspace.render.cdn import cdn_template

    data = copy.deepcopy(
        load_config(Path(__file__).resolve().parents[3] / "config").effective["production"].data
    )
    buckets = data["object_storage"]["buckets"]
    buckets["avion.media.processed"] = dict(buckets["avion-media-processed"])
    with pytest.raises(ValueError, match="share the logical ID 'AvionMediaProcessed"):
        cdn_template(build_platform(data, "production"))


def test_two_buckets_with_one_logical_id_in_aws_s3_are_located(edit: Edit) -> None:
    # Not served by the CDN, but the storage stack makes a resource of every bucket in an
    # environment whose objects live in AWS S3 (production); the in-cluster ones are not refused.
    cfg = edit(
        "platform.yaml",
        "    avion-logs: {purpose",
        "    avion.logs: {purpose: Twin, versioning: false}\n    avion-logs: {purpose",
    )
    lines = (cfg / "platform.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "avion-logs: {purpose" in text)
    message = only(cfg)
    assert message.startswith(
        f"{cfg / 'platform.yaml'}:{line}:5: $.object_storage.buckets.avion-logs:"
    ), message
    assert "bucket 'avion-logs' and bucket 'avion.logs' both become" in message
