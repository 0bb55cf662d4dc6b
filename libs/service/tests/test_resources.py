"""Each optional part against a real server (PostgreSQL, Redis) or a stub HTTP one (S3, search)."""

from __future__ import annotations

import pytest
from avion_service import settings as config
from avion_service.readiness import Readiness
from avion_service.resources import RedisPart, Resources
from avion_service.settings import UndeclaredPart
from service_cases import PARTS, combinations, live_environment, make_spec

ATTRIBUTES = {"database": "database", "redis": "redis", "buckets": "s3", "search": "search"}


@combinations
@pytest.mark.anyio
async def test_declared_parts_open_answer_and_close(
    parts: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    spec = make_spec(parts)
    resources = Resources(config.load(spec, live_environment(spec, request)))
    assert tuple(resources.probes()) == parts
    await resources.open()
    try:
        report = await Readiness(resources.probes(), timeout=10).check()
        assert report.failed == ()
        assert [r.name for r in report.results] == list(parts)
    finally:
        await resources.close()
    for part in PARTS:
        if part not in parts:
            with pytest.raises(UndeclaredPart):
                getattr(resources, ATTRIBUTES[part])
        else:
            assert getattr(resources, ATTRIBUTES[part]) is not None


@pytest.mark.anyio
async def test_a_database_that_does_not_answer_fails_readiness(
    request: pytest.FixtureRequest,
) -> None:
    spec = make_spec(("database",))
    env = live_environment(spec, request) | {"DEMO_SVC_DATABASE_PORT": "1"}
    resources = Resources(config.load(spec, env))
    await resources.open()
    try:
        report = await Readiness(resources.probes(), timeout=1).check()
    finally:
        await resources.close()
    assert report.failed == ("database",)


@pytest.mark.anyio
async def test_a_missing_bucket_or_a_degraded_search_fails_readiness(
    request: pytest.FixtureRequest,
) -> None:
    spec = make_spec(("buckets", "search"))
    stub = request.getfixturevalue("stub_http")
    resources = Resources(config.load(spec, live_environment(spec, request)))
    stub.buckets.discard("processed")
    stub.search_status = "degraded"
    try:
        report = await Readiness(resources.probes(), timeout=5).check()
    finally:
        await resources.close()
    assert report.failed == ("buckets", "search")
    assert "404" in report.results[0].detail
    assert report.results[1].detail == "RuntimeError: Meilisearch reports status 'degraded'"


@pytest.mark.anyio
async def test_redis_through_a_sentinel_names_the_master_set() -> None:
    env = {
        "DEMO_SVC_REDIS_HOST": "127.0.0.1",
        "DEMO_SVC_REDIS_PORT": "1",
        "DEMO_SVC_REDIS_PASSWORD": "pw",
        "DEMO_SVC_REDIS_MASTER_SET": "avion",
    }
    part = RedisPart(config.load(make_spec(("redis",)), env).redis, timeout=0.5)
    assert type(part.client.connection_pool).__name__ == "SentinelConnectionPool"
    with pytest.raises(Exception, match="master"):
        await part.ready()
    await part.close()
