"""The S3 side of the stack: a client on the local endpoint and idempotent bucket provisioning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from avion_workspace.config.model import Bucket

if TYPE_CHECKING:
    from minio import Minio
    from minio.lifecycleconfig import LifecycleConfig

REGION = "us-east-1"


def s3_client(endpoint: str, access_key: str, secret_key: str) -> Minio:
    """A client that fails fast (no retries, short timeouts): probes do their own retrying."""
    import urllib3
    from minio import Minio

    host = endpoint.removeprefix("http://").removeprefix("https://").rstrip("/")
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=1.0, read=10.0),
        retries=urllib3.Retry(total=0),
    )
    return Minio(
        host,
        access_key=access_key,
        secret_key=secret_key,
        secure=endpoint.startswith("https://"),
        region=REGION,
        http_client=http,
    )


def expiry_rules(days: int) -> LifecycleConfig:
    """One rule expiring every object of the bucket ``days`` after its creation."""
    from minio.commonconfig import ENABLED, Filter
    from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule

    rule = Rule(
        ENABLED,
        rule_filter=Filter(prefix=""),
        rule_id=f"expire-after-{days}-days",
        expiration=Expiration(days=days),
    )
    return LifecycleConfig([rule])


def ensure_buckets(
    client: Minio, buckets: Iterable[Bucket], *, lifecycle: bool = True
) -> list[str]:
    """Create missing buckets and set versioning and expiry as config says; returns what changed.

    ``lifecycle=False``: the server implements no bucket lifecycle (``inv doctor`` says so), so
    expiry is left to the production target. Existing buckets and objects are never removed.
    """
    from minio.commonconfig import ENABLED
    from minio.versioningconfig import VersioningConfig

    changes = []
    existing = {b.name for b in client.list_buckets()}
    for bucket in buckets:
        if bucket.name not in existing:
            client.make_bucket(bucket.name)
            changes.append(f"created bucket {bucket.name}")
        if bucket.versioning and client.get_bucket_versioning(bucket.name).status != ENABLED:
            client.set_bucket_versioning(bucket.name, VersioningConfig(ENABLED))
            changes.append(f"enabled versioning on {bucket.name}")
        if lifecycle and bucket.expire_days is not None:
            current = client.get_bucket_lifecycle(bucket.name)
            days = {
                rule.expiration.days
                for rule in (current.rules if current else [])
                if rule.expiration is not None and rule.status == ENABLED
            }
            if days != {bucket.expire_days}:
                client.set_bucket_lifecycle(bucket.name, expiry_rules(bucket.expire_days))
                changes.append(f"set {bucket.expire_days}-day expiry on {bucket.name}")
    return changes
