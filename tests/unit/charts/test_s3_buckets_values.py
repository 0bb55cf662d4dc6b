"""The datastores chart's bucket Job gets config's buckets as rendered values, and only where the
environment runs its own S3 gateway (docs/decisions/0018-staging-buckets.md)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.infrastructure import (
    DATASTORES_CHART,
    INFRA_DIR,
    in_cluster_s3,
    infrastructure,
)
from avion_workspace.render.plan import RenderContext

ROOT = Path(__file__).resolve().parents[3]


def rendered_values(platforms: dict[str, Platform]) -> dict[str, dict[str, Any]]:
    """Each environment's avion-datastores values file, as the renderer writes it, parsed."""
    files = {f.path: f for f in infrastructure(RenderContext(platforms))}
    return {
        env: yaml.safe_load(files[f"{INFRA_DIR}/values/{env}/{DATASTORES_CHART}.yaml"].content)
        for env in platforms
    }


def expected(platform: Platform) -> list[dict[str, Any]]:
    return [
        {"name": b.name, "versioning": b.versioning}
        for b in platform.object_storage.buckets.values()
    ]


def check(platforms: dict[str, Platform], values: dict[str, dict[str, Any]]) -> None:
    kinds = {env: in_cluster_s3(p) for env, p in platforms.items()}
    assert set(kinds.values()) == {True, False}, "both kinds of environment must be checked"
    for env, platform in platforms.items():
        buckets = values[env]["s3Buckets"]
        if in_cluster_s3(platform):
            assert buckets["enabled"] is True, env
            assert buckets["buckets"] == expected(platform), env
            assert buckets["credentialsSecret"] == "s3-credentials"  # pragma: allowlist secret
        else:
            # Explicitly off and empty: an omitted key would inherit the chart's local defaults.
            assert buckets == {"enabled": False, "buckets": []}, env


def test_rendered_values_carry_exactly_the_configured_buckets(fixture_config: Path) -> None:
    platforms = load_platforms(fixture_config)
    values = rendered_values(platforms)
    check(platforms, values)
    staging = {b["name"]: b["versioning"] for b in values["staging"]["s3Buckets"]["buckets"]}
    assert staging["avion-backups"] is True
    assert staging["avion-logs"] is False


def test_an_environments_own_buckets_reach_its_values(tmp_path: Path, fixture_config: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(fixture_config, config)
    overlay = config / "environments" / "staging.yaml"
    document = yaml.safe_load(overlay.read_text()) or {}
    document["object_storage"] = {
        "buckets": {
            "avion-exports": {"purpose": "Data exports", "versioning": True},
            "avion-logs": {"versioning": True},
        }
    }
    overlay.write_text(yaml.safe_dump(document))
    platforms = load_platforms(config)
    values = rendered_values(platforms)
    check(platforms, values)
    staging = {b["name"]: b["versioning"] for b in values["staging"]["s3Buckets"]["buckets"]}
    assert staging["avion-exports"] is True
    assert staging["avion-logs"] is True
    local = {b["name"]: b["versioning"] for b in values["local"]["s3Buckets"]["buckets"]}
    assert "avion-exports" not in local
    assert local["avion-logs"] is False


@pytest.mark.parametrize("env", ["local", "staging", "production"])
def test_the_committed_values_follow_the_real_config(env: str) -> None:
    platforms = load_platforms(ROOT / "config")
    path = ROOT / INFRA_DIR / "values" / env / f"{DATASTORES_CHART}.yaml"
    committed = yaml.safe_load(path.read_text(encoding="utf-8"))["s3Buckets"]
    platform = platforms[env]
    if in_cluster_s3(platform):
        assert committed["buckets"] == expected(platform)
    else:
        assert committed == {"enabled": False, "buckets": []}
    assert in_cluster_s3(platforms["staging"]) and not in_cluster_s3(platforms["production"])
