"""Specs and environments for each combination of optional parts the tests run over."""

from __future__ import annotations

from typing import Any

import pytest
from avion_migrate.testing import free_port
from avion_service.spec import ServiceSpec

PARTS = ("database", "redis", "buckets", "search")
# No part, each part alone, and all of them: every code path of every part, and their mix.
COMBINATIONS = [(), *((part,) for part in PARTS), PARTS]


def combination_id(parts: tuple[str, ...]) -> str:
    return "+".join(parts) or "none"


combinations = pytest.mark.parametrize("parts", COMBINATIONS, ids=combination_id)


def make_spec(parts: tuple[str, ...], *, name: str = "demo-svc") -> ServiceSpec:
    return ServiceSpec(
        name=name,
        package=name.replace("-", "_") + "_pkg",
        description="A demo service",
        database="avion_demo_db" if "database" in parts else None,
        database_owner="avion_demo" if "database" in parts else None,
        redis_namespaces=("cache", "session") if "redis" in parts else (),
        redis_user="avion_demo" if "redis" in parts else None,
        buckets=("uploads", "processed") if "buckets" in parts else (),
        search="search" in parts,
    )


def live_environment(spec: ServiceSpec, request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings pointing every declared part at a real (or stub) server from the fixtures."""
    p = spec.env_prefix
    env: dict[str, str] = {
        f"{p}HOST": "127.0.0.1",
        f"{p}HTTP_PORT": str(free_port()),
        f"{p}GRPC_PORT": str(free_port()),
    }
    env[f"{p}READINESS_INTERVAL_SECONDS"] = "0.1"
    env[f"{p}SHUTDOWN_GRACE_SECONDS"] = "1"
    env[f"{p}LOG_FORMAT"] = "console"
    parts = spec.parts
    if "database" in parts:
        db: Any = request.getfixturevalue("database")
        env |= {
            f"{p}DATABASE_HOST": db.host,
            f"{p}DATABASE_PORT": str(db.port),
            f"{p}DATABASE_NAME": db.name,
            f"{p}DATABASE_USER": "postgres",
            f"{p}DATABASE_PASSWORD": "unused-with-trust",  # pragma: allowlist secret
        }
    if "redis" in parts:
        redis: Any = request.getfixturevalue("redis_server")
        env |= {
            f"{p}REDIS_HOST": redis.host,
            f"{p}REDIS_PORT": str(redis.port),
            f"{p}REDIS_USER": redis.user,
            f"{p}REDIS_PASSWORD": redis.password,
        }
    if "buckets" in parts or "search" in parts:
        stub: Any = request.getfixturevalue("stub_http")
        if "buckets" in parts:
            env |= {
                f"{p}S3_ENDPOINT": stub.url,
                f"{p}S3_ACCESS_KEY": "key",
                f"{p}S3_SECRET_KEY": "secret",  # pragma: allowlist secret
            }
        if "search" in parts:
            env |= {f"{p}SEARCH_URL": stub.url, f"{p}SEARCH_API_KEY": "search-key"}
    return env
